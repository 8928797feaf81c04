#!/usr/bin/env bash
# soft_delete: a traced program's unlink/rmdir of a matching path succeeds for
# the program, the file lands in the trash with its metadata, and
# `agentsh trash restore` puts it back; paths outside the rule are deleted.
set -u
. "$(dirname "$0")/lib.sh"
ws=$(mktemp -d /tmp/agentsh-sd-XXXXXX)
trap 'rm -rf "$ws"' EXIT
mkdir -p "$ws/keep" "$ws/dir/sub"
echo precious >"$ws/keep/a.txt"
echo scratch >"$ws/tmp.txt"
echo inner >"$ws/dir/sub/x"
cat >"$ws/p.yaml" <<EOP
version: 1
name: sd
command_rules:
  - {name: all, commands: ["*"], decision: allow}
file_rules:
  - {name: soft-keep, paths: ["$ws/keep/**", "$ws/dir/**"], operations: [delete, rmdir], decision: soft_delete}
  - {name: rest, paths: ["/**"], operations: ["*"], decision: allow}
EOP
"$AGENTSH" wrap --workspace "$ws" --policy "$ws/p.yaml" --events "$ws/ev.jsonl" -- \
	sh -c "rm '$ws/keep/a.txt' && rm '$ws/tmp.txt' && rm -r '$ws/dir/sub' && echo program-saw-success" \
	>"$ws/out" 2>&1
grep -q program-saw-success "$ws/out" || fail "the program did not see success: $(cat "$ws/out")"
ok "rm and rm -r report success to the program"
[ ! -e "$ws/keep/a.txt" ] || fail "soft-deleted file still in place"
[ ! -e "$ws/tmp.txt" ] || fail "file outside the rule was not deleted"
ok "the files are gone from their places"
grep -q '"soft_deleted"' "$ws/ev.jsonl" || fail "no soft_deleted event"
ok "soft_deleted events recorded"
list=$("$AGENTSH" trash list --workspace "$ws")
echo "$list" | grep -q "$ws/keep/a.txt" || fail "trash list lacks the file: $list"
ok "agentsh trash list shows the file"
id=$(echo "$list" | awk -v p="$ws/keep/a.txt" '$3 == p {print $1}')
"$AGENTSH" trash restore "$id" --workspace "$ws" >/dev/null || fail "restore failed"
[ "$(cat "$ws/keep/a.txt")" = precious ] || fail "restored content differs"
ok "agentsh trash restore puts it back with its content"
"$AGENTSH" trash restore "$id" --workspace "$ws" 2>/dev/null && fail "restoring twice succeeded"
ok "a restored entry is gone from the trash"
# Deletions the kernel refuses are refused as natively, not soft-deleted.
mkdir -p "$ws/keep/d/sub" "$ws/keep/e"
echo x >"$ws/keep/f"
out=$("$AGENTSH" wrap --workspace "$ws" --policy "$ws/p.yaml" -- /usr/bin/python3.11 -c '
import os, sys
os.chdir(sys.argv[1])
for name, f in (("unlink(f/)", lambda: os.unlink("f/")), ("rmdir(d/sub/.)", lambda: os.rmdir("d/sub/.")),
                ("rmdir(e/)", lambda: os.rmdir("e/"))):
    try:
        f(); print(name, "ok")
    except OSError as e:
        print(name, "errno", e.errno)' "$ws/keep")
want="unlink(f/) errno 20
rmdir(d/sub/.) errno 22
rmdir(e/) ok"
[ "$out" = "$want" ] || fail "trailing slash and dots under soft_delete: $out"
[ -f "$ws/keep/f" ] && [ -d "$ws/keep/d/sub" ] && [ ! -e "$ws/keep/e" ] ||
	fail "the refused deletions changed the tree"
ok "unlink(f/) and rmdir(d/sub/.) fail as the kernel fails them; rmdir(e/) is soft-deleted"
# The tracer moves the file with its own rights: only what the caller could delete.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	mkdir -p "$ws/keep/rootdir" "$ws/keep/pub"
	chmod 755 "$ws" "$ws/keep" "$ws/keep/rootdir"
	chmod 1777 "$ws/keep/pub"
	echo r >"$ws/keep/rootdir/file"
	echo r >"$ws/keep/pub/rootfile"
	chmod 666 "$ws/keep/pub/rootfile"
	setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "echo m >'$ws/keep/pub/mine'"
	out=$("$AGENTSH" wrap --workspace "$ws" --policy "$ws/p.yaml" -- \
		setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3.11 -c '
import os, sys
for p in sys.argv[1:]:
    try:
        os.unlink(p); print("ok")
    except OSError as e:
        print("errno", e.errno)' "$ws/keep/rootdir/file" "$ws/keep/pub/rootfile" "$ws/keep/pub/mine")
	want="errno 13
errno 1
ok"
	[ "$out" = "$want" ] || fail "soft_delete lent the tracer's rights to nobody: $out"
	[ -f "$ws/keep/rootdir/file" ] && [ -f "$ws/keep/pub/rootfile" ] && [ ! -e "$ws/keep/pub/mine" ] ||
		fail "soft_delete moved a file its caller could not delete"
	ok "a process that dropped root soft-deletes only what it could delete (EACCES, sticky EPERM, own file)"
else
	echo "skip: the credentials check needs root and setpriv"
fi
pass
