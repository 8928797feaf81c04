#!/usr/bin/env bash
# Attach mode: a running multi-threaded process and a running shell are
# seized with their threads and children, the policy applies to all of them,
# and a --no-prefilter attach detaches cleanly on SIGTERM.
set -u
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3.11
[ -x "$py" ] || skip "no $py"
dir=$(mktemp -d /tmp/agentsh-attach-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$dir"; }
trap cleanup EXIT
echo secret >"$dir/s.txt"
cat >"$dir/p.yaml" <<EOP
version: 1
name: attach-test
file_rules:
  - {name: deny-secret, paths: ["$dir/s.txt"], operations: ["*"], decision: deny}
  - {name: rest, paths: ["/**"], operations: ["*"], decision: allow}
command_rules:
  - {name: all, commands: ["*"], decision: allow}
EOP
cat >"$dir/threads.py" <<'EOP'
import threading, time, os, sys
d = sys.argv[1]
def worker(i):
    while True:
        try:
            open(d + "/s.txt").read(); r = "read"
        except OSError as e:
            r = "errno%d" % e.errno
        with open("%s/t%d.log" % (d, i), "a") as f: f.write(r + "\n")
        time.sleep(0.05)
for i in range(50): threading.Thread(target=worker, args=(i,), daemon=True).start()
open(d + "/ready", "w").close()
time.sleep(60)
EOP

# 1. A 50-thread process: every thread is denied after attach.
"$py" "$dir/threads.py" "$dir" & target=$!; pids+=($target)
wait_for test -e "$dir/ready" || fail "threads did not start"
grep -q read "$dir/t0.log" || fail "the secret was not readable before attach"
"$AGENTSH" attach --pid "$target" --policy "$dir/p.yaml" --events "$dir/ev1.jsonl" 2>"$dir/err1" &
ag=$!; pids+=($ag)
wait_for grep -q deny-secret "$dir/ev1.jsonl" || fail "no deny event after attach: $(cat "$dir/err1")"
sleep 0.5
for i in 0 17 49; do
	tail -n 1 "$dir/t$i.log" | grep -qx errno13 || fail "thread $i still reads the secret: $(tail -n 2 "$dir/t$i.log")"
done
ok "50-thread process: all threads denied after attach"
kill -9 "$target" 2>/dev/null; wait "$ag" 2>/dev/null

# 2. A running shell: its future children are traced and judged.
sh -c "while :; do cat '$dir/s.txt' >>'$dir/sh.log' 2>&1; sleep 0.05; done" & target=$!; pids+=($target)
wait_for grep -q secret "$dir/sh.log" || fail "shell loop did not start"
"$AGENTSH" attach --pid "$target" --policy "$dir/p.yaml" --events "$dir/ev2.jsonl" 2>"$dir/err2" &
ag=$!; pids+=($ag)
wait_for grep -q '"ptrace_execve".*cat' "$dir/ev2.jsonl" || fail "children of the attached shell not traced"
wait_for grep -q "Permission denied" "$dir/sh.log" || fail "child cat not denied"
ok "attached shell: children traced and denied"
kill -9 "$target" 2>/dev/null; wait "$ag" 2>/dev/null

# 3. --no-prefilter attach, then SIGTERM: the target runs on, untraced.
sh -c "while :; do cat '$dir/s.txt' >>'$dir/np.log' 2>&1; sleep 0.05; done" & target=$!; pids+=($target)
wait_for grep -q secret "$dir/np.log" || fail "loop did not start"
"$AGENTSH" attach --no-prefilter --pid "$target" --policy "$dir/p.yaml" --events "$dir/ev3.jsonl" 2>"$dir/err3" &
ag=$!
wait_for grep -q "Permission denied" "$dir/np.log" || fail "no-prefilter attach did not enforce"
kill -TERM "$ag"; wait "$ag"; rc=$?
[ "$rc" = 0 ] || fail "detach exit status $rc"
kill -0 "$target" || fail "target died on detach"
grep -q "TracerPid:	0" "/proc/$target/status" || fail "still traced after detach"
: >"$dir/np.log"
wait_for grep -q secret "$dir/np.log" || fail "target does not read normally after detach"
ok "detach leaves the target running untraced"

# 4. Attach to nothing: fail closed with a reason.
"$AGENTSH" attach --pid 999999999 2>"$dir/err4"; rc=$?
[ "$rc" != 0 ] || fail "attach to a missing pid succeeded"
grep -q "cannot attach\|not a valid" "$dir/err4" || fail "no reason printed: $(cat "$dir/err4")"
ok "attach failure exits $rc with a reason"
pass
