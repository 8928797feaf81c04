#!/usr/bin/env bash
# A process's insides (/proc/PID/mem, environ, fd/..., another's open file
# through /proc/PID/fd/N, pidfd_getfd, perf sampling) are the session's only
# for processes of the traced tree: the tree's own are as natively, those of
# processes outside it (here a sleep started beside agentsh; the tracer) are
# denied and recorded
# (deny-foreign-process, deny-pidfd_getfd, deny-perf_event_open).
set -u
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3.11
[ -x "$py" ] || skip "no $py"
d=$(mktemp -d /tmp/agentsh-foreign-XXXXXX)
echo held >"$d/held"
sleep 300 3<"$d/held" &
victim=$!
trap 'kill $victim 2>/dev/null; rm -rf "$d"' EXIT
cat >"$d/f.py" <<'EOP'
import ctypes, os, subprocess, sys, time
libc = ctypes.CDLL(None, use_errno=True)
def attempt(label, fn):
    try:
        fn()
        print(label, "ok")
    except OSError as e:
        print(label, os.strerror(e.errno))
def getfd(pid, fd):
    pfd = os.pidfd_open(pid)
    r = libc.syscall(438, pfd, fd, 0)   # pidfd_getfd
    if r < 0:
        raise OSError(ctypes.get_errno(), "pidfd_getfd")
    os.close(r)
child = subprocess.Popen(["sleep", "30"], stdin=subprocess.PIPE)
# notify mode lets the kernel open a magic link only when nothing shares the
# caller's memory: give the tracer the vfork child's exec first (a limit
# noted in docs/backends.md).
time.sleep(0.3)
attempt("own-environ", lambda: open("/proc/self/environ", "rb").read())
attempt("child-environ", lambda: open("/proc/%d/environ" % child.pid, "rb").read())
attempt("child-fd", lambda: os.close(os.open("/proc/%d/fd/0" % child.pid, os.O_RDONLY)))
attempt("child-getfd", lambda: getfd(child.pid, 0))
victim = int(sys.argv[2])
attempt("outside-environ", lambda: open("/proc/%d/environ" % victim, "rb").read())
attempt("outside-fd-dir", lambda: os.listdir("/proc/%d/fd" % victim))
attempt("outside-fd", lambda: os.close(os.open("/proc/%d/fd/1" % victim, os.O_RDONLY)))
attempt("outside-fd-file", lambda: open("/proc/%d/fd/3" % victim).read())
attempt("outside-getfd", lambda: getfd(victim, 0))
attempt("self-mem-write", lambda: os.close(os.open("/proc/self/mem", os.O_RDWR)))
attempt("self-mem-read", lambda: os.close(os.open("/proc/self/mem", os.O_RDONLY)))
child.kill()
child.wait()
sys.stdout.flush()
prog = sys.argv[1]
for pid, cpu in (("0", "-1"), (str(os.getpid()), "-1"), (str(victim), "-1"), ("-1", "0")):
    r = subprocess.run([prog, pid, cpu], capture_output=True, text=True).stdout.strip()
    print("perf", {"0": "self", str(os.getpid()): "self", str(victim): "outside"}.get(pid, pid), r)
EOP
native=$("$py" "$d/f.py" "$PROGS/prog_tr_perf" $victim 2>&1)
for w in outside-environ outside-fd-dir outside-fd outside-fd-file outside-getfd self-mem-write "perf outside" "perf -1"; do
	echo "$native" | grep -q "^$w ok" || skip "natively, $w fails here: $(echo "$native" | grep "^$w")"
done
want="own-environ ok
child-environ ok
child-fd ok
child-getfd ok
outside-environ Permission denied
outside-fd-dir Permission denied
outside-fd Permission denied
outside-fd-file Permission denied
outside-getfd Operation not permitted
self-mem-write Permission denied
self-mem-read ok
perf self ok
perf self ok
perf outside EPERM
perf -1 EPERM"
modes="prefilter ptrace"
"$AGENTSH" wrap --mode notify -- true 2>/dev/null && modes="$modes notify"
for m in $modes; do
	"$AGENTSH" wrap --mode "$m" --policy "$AGENTSH_SRC/policies/default.yaml" --events "$d/ev.$m" \
		-- "$py" "$d/f.py" "$PROGS/prog_tr_perf" $victim >"$d/out" 2>&1
	[ "$(cat "$d/out")" = "$want" ] || fail "$m: $(diff <(echo "$want") "$d/out")"
	for r in deny-foreign-process deny-pidfd_getfd deny-proc-mem-write deny-perf_event_open; do
		grep -q "\"rule\":\"$r\"" "$d/ev.$m" || fail "$m: no $r event"
	done
	grep '"rule":"deny-foreign-process"' "$d/ev.$m" | grep -q "/proc/$$/" &&
		fail "$m: a process of the tree was treated as foreign"
	ok "$m: the tree's own processes as natively, an outside process's insides denied and recorded"
done
pass
