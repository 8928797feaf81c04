#!/usr/bin/env bash
# Every decision, applied at the syscall by the real tracer: deny/allow/audit
# for files, exec, network, unix sockets and signals; file and exec
# redirects; approvals answered yes, no, or never (timeout) while other
# tracees keep running; max_tracees under a fork bomb.
set -u
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3.11
[ -x "$py" ] || skip "no $py"
d=$(mktemp -d /tmp/agentsh-dec-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done; rm -rf "$d"' EXIT
mkdir -p "$d/bin" "$d/redir" "$d/data"
echo secret >"$d/data/secret"
echo open >"$d/data/open"
printf '#!/bin/sh\necho mytool-ran "$@"\n' >"$d/bin/mytool"
printf '#!/bin/sh\necho forbidden-ran\n' >"$d/bin/forbidden"
chmod +x "$d/bin/mytool" "$d/bin/forbidden"
cat >"$d/p.yaml" <<EOP
version: 1
name: decisions
command_rules:
  - {name: no-forbidden, commands: [forbidden], decision: deny}
  - name: mytool-to-echo
    commands: [mytool]
    decision: redirect
    redirect_to: {command: /bin/echo, args: [redirected]}
  - {name: printenv-narrow, commands: [printenv], decision: allow, env_deny: ["SECRET_*"]}
  - {name: env-tiny, commands: [env], decision: allow, env_max_keys: 2}
  - {name: all, commands: ["*"], decision: allow}
file_rules:
  - {name: deny-secret, paths: ["$d/data/secret"], operations: ["*"], decision: deny}
  - {name: audit-open, paths: ["$d/data/open"], operations: ["*"], decision: audit}
  - {name: redirect-out, paths: ["$d/out/**"], operations: ["*"], decision: redirect, redirect_to: "$d/redir"}
  - {name: ask, paths: ["$d/ask/**"], operations: ["*"], decision: approve}
  - {name: rest, paths: ["/**"], operations: ["*"], decision: allow}
network_rules:
  - {name: deny-dot2, cidrs: [127.0.0.2/32], decision: deny}
  - {name: allow-lo, cidrs: [127.0.0.0/8], decision: allow}
unix_socket_rules:
  - {name: deny-abstract, paths: ["@agentsh-dec-*"], operations: ["*"], decision: deny}
EOP
wrap() { "$AGENTSH" wrap --policy "$d/p.yaml" --events "$d/ev.jsonl" "$@"; }
event() { grep -F "$1" "$d/ev.jsonl" | grep -qF "$2"; }

# files
out=$(wrap -- cat "$d/data/secret" 2>&1) && fail "denied read succeeded"
[[ "$out" == *"Permission denied"* ]] || fail "deny is not EACCES: $out"
event deny-secret '"effective_action":"denied"' || fail "no deny event"
ok "file deny: EACCES and an event with the rule"
[ "$(wrap -- cat "$d/data/open")" = open ] || fail "audited read failed"
event audit-open '"decision":"audit"' || fail "no audit event"
ok "file audit: allowed and recorded"
wrap -- sh -c "mkdir -p '$d/out' && echo hello > '$d/out/report.txt'" || fail "redirected write failed"
[ "$(cat "$d/redir/report.txt" 2>/dev/null)" = hello ] || fail "redirected file not at the target"
[ ! -e "$d/out/report.txt" ] || fail "file landed at the original path"
ok "file redirect: the program sees success, the file lands at redirect_to"

# exec
out=$(PATH="$d/bin:$PATH" wrap -- sh -c 'forbidden; echo rc=$?' 2>&1)
[[ "$out" == *"rc=126"* && "$out" != *forbidden-ran* ]] || fail "exec deny: $out"
event no-forbidden '"ptrace_execve"' || fail "no exec deny event"
ok "exec deny: 126 from the shell, event with the rule"
out=$(PATH="$d/bin:$PATH" wrap -- sh -c 'mytool a b' 2>&1)
[ "$out" = "redirected a b" ] || fail "exec redirect printed: $out"
ok "exec redirect: redirect_to.command runs with args prepended"

# env_policy: the command's own environment, and per-rule overrides at nested execs
out=$(AWS_SECRET_ACCESS_KEY=a SECRET_X=b KEEP_ME=c wrap -- sh -c 'echo "aws=${AWS_SECRET_ACCESS_KEY:-gone} keep=$KEEP_ME"; printenv SECRET_X || echo nested-gone; env >/dev/null; echo env-rc=$?' 2>/dev/null)
[[ "$out" == *"aws=gone keep=c"* ]] || fail "built-in secret deny list not applied: $out"
[[ "$out" == *nested-gone* ]] || fail "rule env_deny not applied at a nested exec: $out"
[[ "$out" == *"env-rc=126"* ]] || fail "env_max_keys exceeded but exec ran: $out"
ok "env_policy: secrets removed, rule env_deny and env_max_keys enforced at nested execs"

# network
"$py" -c "
import socket,sys
s=socket.socket(); s.bind(('127.0.0.1',0)); s.listen(8); print(s.getsockname()[1], flush=True)
t=socket.socket(); t.bind(('127.0.0.2',0)); t.listen(8); print(t.getsockname()[1], flush=True)
import time; time.sleep(60)" >"$d/ports" & pids+=($!)
two_ports() { [ "$(wc -l <"$d/ports")" = 2 ]; }
wait_for two_ports || fail "listeners did not start"
p1=$(sed -n 1p "$d/ports"); p2=$(sed -n 2p "$d/ports")
conn() { wrap -- "$py" -c "import socket,sys
try: socket.create_connection(('$1',$2),2); print('connected')
except OSError as e: print('errno',e.errno)"; }
[ "$(conn 127.0.0.1 "$p1")" = connected ] || fail "allowed connect failed"
[ "$(conn 127.0.0.2 "$p2")" = "errno 13" ] || fail "denied connect not EACCES"
event deny-dot2 "127.0.0.2:$p2" || fail "no network deny event"
ok "network: allow and deny (EACCES) by CIDR, with events"

# unix sockets
out=$(wrap -- "$py" -c "import socket
s=socket.socket(socket.AF_UNIX)
try: s.connect('\0agentsh-dec-x'); print('connected')
except OSError as e: print('errno', e.errno)")
[ "$out" = "errno 13" ] || fail "abstract unix connect: $out"
event deny-abstract '"abstract":true' || fail "no unix deny event"
ok "unix: abstract socket connect denied by unix_socket_rules"

# signals: outside the tree is denied without signal_rules, inside allowed
sleep 60 & victim=$!; pids+=($victim)
out=$(wrap -- sh -c "kill -TERM $victim; echo rc=\$?; sleep 5 & kill \$!; echo child-rc=\$?" 2>&1)
kill -0 $victim || fail "outside process was killed"
[[ "$out" == *"child-rc=0"* ]] || fail "signal to own child refused: $out"
event default-deny-signals '"target_relation"' || fail "no signal deny event"
ok "signals: outside the tree denied (EPERM), own child allowed"

# A child that has exited: not yet waited for (a zombie) it still takes a
# signal; waited for, the pid is gone and kill fails with ESRCH, as natively
# (subprocess.send_signal relies on both).
out=$(wrap -- "$py" -c "
import os, time
pid = os.fork()
if pid == 0: os._exit(0)
time.sleep(0.3)
os.kill(pid, 15); print('zombie ok')
os.waitpid(pid, 0)
try: os.kill(pid, 15); print('gone: no error')
except OSError as e: print('gone: errno', e.errno)" 2>&1)
[ "$out" = "zombie ok
gone: errno 3" ] || fail "signals to an exited child: $out"
ok "signals: an exited child takes one until waited for, then ESRCH"

# Process-group signals are decided for every member of the group: a job of
# the tree (own group, shell job control, killpg after start_new_session) may
# be signalled; a group with members outside the tree (the one agentsh runs
# in) may not; an empty group is ESRCH, as natively. Under this policy (no
# signal_rules) and the shipped one, whose signal_rules name target types.
# (Without a policy nothing is enforced: kill(0, SIGKILL) would kill this script.)
for pol in "--policy $d/p.yaml" "--policy $AGENTSH_SRC/policies/default.yaml"; do
	out=$("$AGENTSH" wrap $pol -- "$py" -c "
import os, signal, subprocess
p = subprocess.Popen(['sleep', '10'], start_new_session=True)
os.killpg(p.pid, signal.SIGTERM); print('job', p.wait())
try: os.killpg(999999, signal.SIGTERM)
except OSError as e: print('empty', e.errno)
try: os.kill(0, signal.SIGKILL); print('own group killed nothing?')
except OSError as e: print('mixed', e.errno)" 2>&1)
	[ "$out" = "job -15
empty 3
mixed 1" ] || fail "process-group signals $pol: $out"
	out=$("$AGENTSH" wrap $pol -- bash -c 'set -m; sleep 10 & kill %1; wait %1; echo rc=$?' 2>&1)
	[[ $out == *rc=143 ]] || fail "job control kill %1 $pol: $out"
done
ok "process-group signals: the tree's groups allowed, a group reaching outside denied, empty ESRCH"

# A process's own pipe opened again by name (/dev/stdout, /dev/fd/N,
# process substitution) is decided by the names the shipped policy allows.
out=$("$AGENTSH" wrap --policy "$AGENTSH_SRC/policies/default.yaml" -- bash -c \
	'echo a > >(cat); echo b | tee /dev/fd/1 | cat; echo c | tee /dev/stderr 2>&1 >/dev/null | cat; echo d >/dev/stdout | cat; sleep 0.2' 2>&1)
[ "$(echo "$out" | sort | tr '\n' ' ')" = "a b b c d " ] || fail "own pipes by name under default.yaml: $out"
ok "own pipes reopened as /dev/stdout, /dev/stderr, /dev/fd/N under the shipped policy"

# pidfd_send_signal: a bad fd is EBADF as natively (not a deny), and a
# /proc/PID directory fd, which the kernel also takes, names its process.
out=$("$AGENTSH" wrap --policy "$AGENTSH_SRC/policies/default.yaml" -- "$py" -c "
import os, signal
for fd in (0, 999):
    try: signal.pidfd_send_signal(fd, signal.SIGINT); print('sent')
    except OSError as e: print(fd, e.errno)
fd = os.open('/proc/%d' % os.getpid(), os.O_DIRECTORY)
try: signal.pidfd_send_signal(fd, signal.SIGINT); print('nothing')
except KeyboardInterrupt: print('self')" 2>&1)
[ "$out" = "0 9
999 9
self" ] || fail "pidfd_send_signal: $out"
ok "pidfd_send_signal: EBADF for a bad fd, a /proc/PID fd names its process"

# prctl: the same decisions whether the prefilter filters the options or every
# call stops (gVisor mode): only what touches tracing is refused.
for mode in "" --no-prefilter; do
	out=$("$AGENTSH" wrap $mode --policy "$AGENTSH_SRC/policies/default.yaml" -- "$PROGS/prog_tr_prctl")
	[ "$out" = "benign=ok dumpable0=-1 ptracer=-1" ] || fail "prctl ${mode:-(prefilter)}: $out"
done
ok "prctl: benign options run, PR_SET_DUMPABLE 0 and PR_SET_PTRACER refused, in both modes"

# A denied file call that would do nothing natively gets the kernel's errno
# (ENOENT for what is not there, EEXIST for making what is), and is still
# recorded as a deny; one that would have an effect gets EACCES.
mkdir -p "$d/nz/denied/dir" && echo x >"$d/nz/denied/file"
cat >"$d/nz.yaml" <<EOP
version: 1
name: nz
file_rules:
  - {name: no-denied, paths: ["$d/nz/denied/**"], operations: ["*"], decision: deny}
  - {name: rest, paths: ["/**"], operations: ["*"], decision: allow}
command_rules:
  - {name: all, commands: ["*"], decision: allow}
EOP
out=$("$AGENTSH" wrap --policy "$d/nz.yaml" --events "$d/nz.jsonl" -- "$py" -c "
import os, errno, sys
d = sys.argv[1]
def t(f):
    try: f(); return 'ok'
    except OSError as e: return errno.errorcode[e.errno]
print(*[t(f) for f in (lambda: os.unlink(d + '/none'), lambda: os.unlink(d + '/file'),
    lambda: os.mkdir(d + '/dir'), lambda: os.mkdir(d + '/newdir'), lambda: open(d + '/none'),
    lambda: open(d + '/nodir/none'), lambda: open(d + '/new', 'w'), lambda: open(d + '/file'),
    lambda: os.open(d + '/file', os.O_CREAT | os.O_EXCL | os.O_WRONLY),
    lambda: os.rename(d + '/none', d + '/n2'), lambda: os.symlink('x', d + '/file'))])" "$d/nz/denied")
[ "$out" = "ENOENT EACCES EEXIST EACCES ENOENT ENOENT EACCES EACCES EEXIST ENOENT EEXIST" ] ||
	fail "errno of denied calls: $out"
[ "$(grep -c '"rule":"no-denied"' "$d/nz.jsonl")" -eq 11 ] || fail "denied no-op calls not all recorded"
ok "denied calls that would do nothing fail as natively (ENOENT, EEXIST), the others EACCES; all recorded"

# Children killed while they start: a call the tracer was deciding when the
# SIGKILL came never runs; it is no "unpinnable" deny.
: >"$d/ev.jsonl"
wrap -- "$py" -c "
import os, signal, subprocess, sys
for i in range(20):
    p = subprocess.Popen([sys.executable, '-c', 'pass'])
    p.send_signal(signal.SIGKILL)
    p.wait()" || fail "killing starting children"
n=$(grep -c unpinnable-argument "$d/ev.jsonl")
[ "$n" -eq 0 ] || fail "$n unpinnable-argument events for children killed while starting"
ok "children killed while starting leave no false deny events"

# approvals: yes, no, never (timeout), and others keep running meanwhile
cat >"$d/approver.py" <<'EOP'
import socket, json, sys, os
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX); s.bind(path); s.listen(4)
open(path + ".ready", "w").close()
while True:
    c, _ = s.accept(); f = c.makefile("rw")
    for line in f:
        req = json.loads(line); p = req["event"].get("path", "")
        if "wait" in p: continue
        f.write(json.dumps({"id": req["id"], "decision": "allow" if "yes" in p else "deny"}) + "\n"); f.flush()
EOP
"$py" "$d/approver.py" "$d/ap.sock" & pids+=($!)
wait_for test -e "$d/ap.sock.ready" || fail "approver did not start"
mkdir -p "$d/ask"
awrap() { "$AGENTSH" wrap --policy "$d/p.yaml" --events "$d/ev.jsonl" --approver "unix:$d/ap.sock" --max-hold-ms 1500 "$@"; }
awrap -- sh -c "echo y > '$d/ask/yes.txt'" || fail "approved write failed"
[ -s "$d/ask/yes.txt" ] || fail "approved write did not happen"
awrap -- sh -c "echo n > '$d/ask/no.txt'" 2>/dev/null && fail "denied approval succeeded"
[ ! -e "$d/ask/no.txt" ] || fail "denied approval wrote the file"
ok "approve: answered allow proceeds, answered deny fails"
start=$(date +%s%N)
out=$(awrap -- sh -c "(for i in \$(seq 20); do echo tick >> '$d/ticks'; sleep 0.05; done) & echo w > '$d/ask/wait.txt'; echo rc=\$?; wait" 2>&1)
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[[ "$out" == *"rc=1"* || "$out" == *"rc=2"* ]] || fail "timed-out approval not denied: $out"
[ "$ms" -ge 1400 ] || fail "held only ${ms} ms (max_hold_ms 1500)"
[ "$(wc -l <"$d/ticks")" -ge 10 ] || fail "other tracees did not run while one was held"
grep -q '"outcome":"timeout"' "$d/ev.jsonl" || fail "no timeout outcome event"
grep -q '"outcome":"approved"' "$d/ev.jsonl" || fail "no approved outcome event"
ok "approve: unanswered = deny after max_hold_ms, other tracees keep running"

# max_tracees under a fork bomb
out=$("$AGENTSH" wrap --max-tracees 20 --events "$d/bomb.jsonl" -- "$py" -c "
import os, time
kids, refused = [], 0
for i in range(60):
    try:
        pid = os.fork()
    except OSError as e:
        refused += 1; continue
    if pid == 0: time.sleep(2); os._exit(0)
    kids.append(pid)
print(len(kids), refused)
for k in kids: os.waitpid(k, 0)")
set -- $out
[ "${1:-99}" -le 20 ] && [ "${2:-0}" -ge 40 ] || fail "fork bomb: $out"
grep -q '"rule":"max-tracees"' "$d/bomb.jsonl" || fail "no max-tracees event"
ok "max_tracees: forks beyond the limit fail with EAGAIN ($out)"

# Every way to make a process or thread at the limit: fork and vfork (no
# seccomp stop: refused at the fork event), a raw clone, pthread_create.
# The refused children are never heard of (no SIGCHLD), the real ones exit.
want="forks=3 fork=EAGAIN vfork=EAGAIN clone=EAGAIN thread=EAGAIN sigchld_before=0 reaped=3"
for mode in "" --no-prefilter; do
	out=$("$AGENTSH" wrap $mode --max-tracees 4 --events "$d/limit$mode.jsonl" -- "$PROGS/prog_tr_forklimit")
	[ "$out" = "$want" ] || fail "at max_tracees ${mode:-(prefilter)}: $out"
	n=$(grep -c '"rule":"max-tracees"' "$d/limit$mode.jsonl")
	[ "$n" -eq 4 ] || fail "at max_tracees ${mode:-(prefilter)}: $n max-tracees events, want 4"
done
ok "max_tracees: fork, vfork, clone and threads refused alike, with and without the prefilter"
pass
