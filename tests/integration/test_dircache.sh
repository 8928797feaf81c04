#!/usr/bin/env bash
# The resolver skips the lstat of directories it has already seen as
# directories when it resolves an open (fs_resolve_open). A directory swapped
# for a symlink behind the tracer's back (by a process outside the traced
# tree, which the tracer cannot see) must not turn that stale knowledge into
# an open of something unjudged: the pinned openat2 refuses symlinks, so the
# open fails. Inside the tree, a rename or symlink clears the cache, so the
# swap is seen and judged: the open is denied by the rule.
set -u
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3.11
[ -x "$py" ] || skip "no $py"
d=$(mktemp -d /tmp/agentsh-dircache-XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/ws/dir" "$d/secret" "$d/other"
echo fine >"$d/ws/dir/f"
echo SECRET >"$d/secret/f"
echo OTHER >"$d/other/f"
cat >"$d/p.yaml" <<EOP
version: 1
name: dircache
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules:
  - {name: deny-secret, paths: ["$d/secret/**"], operations: ["*"], decision: deny}
  - {name: rest, paths: ["/**"], operations: ["*"], decision: allow}
EOP
# Opens ws/dir/f, tells the swapper, waits for the swap, opens it again.
cat >"$d/open2.py" <<'EOP'
import os, sys, time
d = sys.argv[1]
def read():
    try:
        with open(d + "/ws/dir/f") as f:
            return f.read().strip()
    except OSError as e:
        return "error:" + (os.strerror(e.errno) if e.errno else str(e))
print(read())
if sys.argv[2] == "inside":
    os.rename(d + "/ws/dir", d + "/ws/dir.old")
    os.symlink("../secret", d + "/ws/dir")
else:
    open(d + "/opened", "w").close()
    deadline = time.time() + 20
    while not os.path.exists(d + "/swapped") and time.time() < deadline:
        time.sleep(0.01)
print(read())
EOP

reset() {
	rm -f "$d/opened" "$d/swapped" "$d/ws/dir"
	[ -d "$d/ws/dir.old" ] && mv "$d/ws/dir.old" "$d/ws/dir"
	[ -d "$d/ws/dir" ] || fail "setup: ws/dir missing"
}
swap_outside() { # [TARGET]
	wait_for test -e "$d/opened" || return 1
	mv "$d/ws/dir" "$d/ws/dir.old" && ln -s "../${1:-secret}" "$d/ws/dir" && touch "$d/swapped"
}

out=$(swap_outside & "$py" "$d/open2.py" "$d" outside; wait)
[ "$out" = "fine
SECRET" ] || skip "natively the swap did not take effect: $out"
ok "natively the second open reads the swapped-in secret"

reset
out=$(swap_outside & "$AGENTSH" wrap --policy "$d/p.yaml" --events "$d/ev1.jsonl" -- \
	"$py" "$d/open2.py" "$d" outside; wait)
first=${out%%$'\n'*}
second=${out#*$'\n'}
[ "$first" = fine ] || fail "outside swap: first open: $out"
case $second in
error:*) ok "outside swap: the second open fails ($second), no secret read" ;;
*) fail "outside swap: second open read '$second'" ;;
esac

# Swapped to an allowed directory: the open either fails (the pinned openat2
# met the symlink) or was judged under its real name; never judged as
# ws/dir/f while opening other/f.
reset
out=$(swap_outside other & "$AGENTSH" wrap --policy "$d/p.yaml" --events "$d/ev3.jsonl" -- \
	"$py" "$d/open2.py" "$d" outside; wait)
second=${out#*$'\n'}
case $second in
error:*) ok "outside swap to an allowed dir: the open fails ($second)" ;;
OTHER)
	grep -q "\"path\":\"$d/other/f\"" "$d/ev3.jsonl" ||
		fail "outside swap: read other/f but no event names it"
	ok "outside swap to an allowed dir: judged as other/f" ;;
*) fail "outside swap to an allowed dir: $out" ;;
esac

reset
out=$("$AGENTSH" wrap --policy "$d/p.yaml" --events "$d/ev2.jsonl" -- \
	"$py" "$d/open2.py" "$d" inside)
[ "$out" = "fine
error:Permission denied" ] || fail "inside swap: $out"
grep -q '"rule":"deny-secret"' "$d/ev2.jsonl" || fail "inside swap: no deny-secret event"
ok "inside swap: seen through the cleared cache and denied by deny-secret"
pass
