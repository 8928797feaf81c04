#!/bin/bash
# Oracle test: `agentsh wrap --events` must observe exactly what `strace -f`
# observes for the same workload: the set of exec filenames, the set of opened
# absolute paths (open, openat, openat2, creat) and the set of connect
# addresses (AF_INET/AF_INET6 as ip:port, AF_UNIX as path or @abstract).
#
# Usage: test_oracle.sh [WRAP-OPTION...]   (test_oracle_noprefilter.sh passes
# --no-prefilter). Env: AGENTSH, PROGS (see tests/integration/CMakeLists.txt).
# Set ORACLE_KEEP=1 to keep the work directory for inspection.
#
# Paths are compared after the same normalisation on both sides: made absolute
# (strace -y prints the cwd/dirfd), lexically normalised, /proc/self,
# /proc/thread-self and /proc/PID collapsed to /proc/<pid>, and canonicalised
# (realpath of the file if it still exists, else of its directory) so
# /lib/x.so and /usr/lib/x.so.1.2 (merged /usr, library symlinks) are one file:
# agentsh reports canonical paths. Failed attempts count on both sides.
set -u

WRAP_OPTS=("$@")
LABEL="oracle${WRAP_OPTS[*]:+ (${WRAP_OPTS[*]})}"
PY=/usr/bin/python3.11

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

: "${AGENTSH:?AGENTSH must point to the agentsh binary}"
: "${PROGS:?PROGS must point to the helper program directory}"
command -v strace >/dev/null || skip "strace is not installed (make deps)"
[ -x "$PY" ] || skip "$PY is not installed (make deps)"
strace -qq -o /dev/null /bin/true 2>/dev/null || skip "ptrace is not permitted here (strace fails)"

WORK=$(mktemp -d /tmp/agentsh-oracle.XXXXXX) || fail "mktemp"
if [ "${ORACLE_KEEP:-0}" = 1 ]; then
	echo "work directory: $WORK"
else
	trap 'rm -rf "$WORK"' EXIT
fi
RUN="$WORK/run" # the workloads' scratch directory, identical for both runs

"$AGENTSH" wrap "${WRAP_OPTS[@]}" --events "$WORK/probe.jsonl" -- /bin/true ||
	fail "agentsh wrap ${WRAP_OPTS[*]} -- /bin/true exited $?"

STRACE_SET=execve,execveat,open,openat,openat2,creat,connect

# Two free TCP ports (one listened on, one refused), fixed for both runs.
read -r PORT_A PORT_B < <("$PY" -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
ABSTRACT="agentsh-oracle-$(basename "$WORK")"

cat >"$WORK/compare.py" <<'PYEOF'
import json, os, re, sys

OPEN_SYSCALLS = {"open", "openat", "openat2", "creat"}
OPEN_OPS = {"open", "read", "write", "create"}
PROC_RE = re.compile(r"^/proc/(?:self|thread-self|\d+)(?:/task/\d+)?(?=/|$)")
STRACE_RE = re.compile(r"^(\d+)\s+(execveat|execve|openat2|openat|open|creat|connect)\((.*)$")
HEXSTR = r'"((?:\\x[0-9a-f]{2})*)"'
FD_RE = re.compile(r"^(AT_FDCWD|-?\d+)(?:<((?:\\x[0-9a-f]{2})*)>)?, " + HEXSTR)
STR_RE = re.compile(r"^" + HEXSTR)
INET_RE = re.compile(r'sa_family=AF_INET, sin_port=htons\((\d+)\), sin_addr=inet_addr\(' + HEXSTR)
INET6_RE = re.compile(r'sa_family=AF_INET6, sin6_port=htons\((\d+)\).*?inet_pton\(AF_INET6, ' + HEXSTR)
UNIX_RE = re.compile(r'sa_family=AF_UNIX, sun_path=(@?)' + HEXSTR)


def unhex(s):
    return bytes.fromhex(s.replace("\\x", "")).decode("utf-8", "surrogateescape")


def norm_path(p, base=None):
    if not p:
        return p
    if not p.startswith("/"):
        p = os.path.join(base or "/<unknown-cwd>", p)
    p = os.path.normpath(p)
    if p.startswith("//"):
        p = p[1:]
    p = PROC_RE.sub("/proc/<pid>", p)
    if p.startswith(("/proc/", "/dev/fd/", "/dev/std")):
        return p
    if os.path.lexists(p):
        r = os.path.realpath(p)
        if not r.startswith("/proc/"):
            return r
    d, b = os.path.split(p)
    if os.path.isdir(d):
        d = os.path.realpath(d)
    return os.path.join(d, b)


def norm_addr(ip, port):
    ip = ip.strip("[]")
    if ip.lower().startswith("::ffff:") and "." in ip:
        ip = ip[7:]
    return "%s:%d" % (ip, int(port))


def strace_sets(path, start_cwd):
    execs, opens, inet, unix = set(), set(), set(), set()
    cwd = {}
    for line in open(path, encoding="latin-1"):
        m = STRACE_RE.match(line)
        if not m:
            continue
        pid, sc, rest = m.group(1), m.group(2), m.group(3)
        if sc == "connect":
            a = INET_RE.search(rest) or INET6_RE.search(rest)
            if a:
                inet.add(norm_addr(unhex(a.group(2)), a.group(1)))
            u = UNIX_RE.search(rest)
            if u:
                unix.add(u.group(1) + unhex(u.group(2)))
            continue
        if sc in ("openat", "openat2", "execveat"):
            f = FD_RE.match(rest)
            if not f:
                print("cannot parse strace line: " + line.strip(), file=sys.stderr)
                continue
            base = unhex(f.group(2)) if f.group(2) is not None else None
            if base and base.endswith(" (deleted)"):
                base = base[: -len(" (deleted)")]
            if f.group(1) == "AT_FDCWD" and base:
                cwd[pid] = base
            name = unhex(f.group(3))
            if sc == "execveat" and name == "":
                name = base
        else:
            s = STR_RE.match(rest)
            if not s:
                print("cannot parse strace line: " + line.strip(), file=sys.stderr)
                continue
            name, base = unhex(s.group(1)), cwd.get(pid, start_cwd)
        (execs if sc.startswith("execve") else opens).add(norm_path(name, base))
    return execs, opens, inet, unix


def agentsh_sets(path):
    execs, opens, inet, unix = set(), set(), set(), set()
    for n, line in enumerate(open(path, encoding="utf-8", errors="surrogateescape"), 1):
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
        except ValueError as e:
            sys.exit("%s:%d: not a JSON line (%s): %s" % (path, n, e, line[:200]))
        t, f = ev.get("type"), ev.get("fields") or {}
        sc, op = f.get("syscall"), ev.get("operation")
        if t == "ptrace_execve":
            execs.add(norm_path(ev.get("filename")))
        elif t == "ptrace_file":
            if sc in OPEN_SYSCALLS or (sc is None and op in OPEN_OPS):
                opens.add(norm_path(ev.get("path")))
        elif t == "ptrace_network" and (sc or op) == "connect":
            if f.get("family") in ("AF_UNIX", "unix"):
                unix.add(ev.get("path") or ev.get("remote"))
            elif ev.get("remote"):
                host, _, port = ev["remote"].rpartition(":")
                inet.add(norm_addr(host, port))
        elif t == "ptrace_unix" and (sc or op) == "connect":
            p = ev.get("path") or ""
            if ev.get("abstract") and not p.startswith("@"):
                p = "@" + p
            unix.add(p)
    return execs, opens, inet, unix


def main():
    name, st, ev, start_cwd = sys.argv[1:5]
    want = strace_sets(st, start_cwd)
    got = agentsh_sets(ev)
    ok = True
    for kind, w, g in zip(("exec filenames", "opened paths", "connect ip:port", "connect unix"), want, got):
        missing, extra = sorted(w - g), sorted(g - w)
        print("  %-16s strace %4d  agentsh %4d  %s" % (kind, len(w), len(g),
              "equal" if not missing and not extra else "DIFFERENT"))
        for label, items in (("missing from agentsh", missing), ("only in agentsh", extra)):
            for x in items[:15]:
                print("    %s: %s" % (label, x))
            if len(items) > 15:
                print("    ... and %d more %s" % (len(items) - 15, label))
        ok = ok and not missing and not extra
    if sum(len(w) for w in want) == 0:
        print("  strace observed nothing: the oracle itself is broken")
        ok = False
    sys.exit(0 if ok else 1)


main()
PYEOF

cat >"$WORK/workload.py" <<'PYEOF'
import os, socket, subprocess, sys, threading
d, port_a, port_b, abstract = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def files(i):
    for j in range(5):
        p = os.path.join(d, "py%d_%d" % (i, j))
        with open(p, "w") as f:
            f.write("x")
        with open(p) as f:
            f.read()

threads = [threading.Thread(target=files, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
subprocess.run(["/bin/true"], check=True)
subprocess.run("echo hi | cat > sub.txt", shell=True, check=True, cwd=d)
os.chdir(d)
with open("../run/sub.txt") as f:
    f.read()

srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port_a))
srv.listen()
socket.create_connection(("127.0.0.1", port_a)).close()
try:
    socket.create_connection(("127.0.0.1", port_b), timeout=5).close()
except OSError:
    pass
try:
    s6 = socket.socket(socket.AF_INET6)
    s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s6.bind(("::1", port_a))
    s6.listen()
    c = socket.socket(socket.AF_INET6)
    c.connect(("::1", port_a))
    c.close()
except OSError:
    pass
c = socket.socket(socket.AF_INET6)
try:
    c.connect(("::ffff:127.0.0.1", port_a))
except OSError:
    pass
c.close()
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.connect(("127.0.0.2", 9))
us = socket.socket(socket.AF_UNIX)
us.bind(os.path.join(d, "s.sock"))
us.listen()
socket.socket(socket.AF_UNIX).connect(os.path.join(d, "s.sock"))
ab = socket.socket(socket.AF_UNIX)
ab.bind("\0" + abstract)
ab.listen()
socket.socket(socket.AF_UNIX).connect("\0" + abstract)
PYEOF

run_compare() { # NAME CMD...
	local name=$1 rc_native rc_strace rc_wrap
	shift
	rm -rf "$RUN" && mkdir -p "$RUN"
	(cd "$RUN" && "$@" >"$WORK/$name.native.out" 2>&1)
	rc_native=$?
	rm -rf "$RUN" && mkdir -p "$RUN"
	(cd "$RUN" && strace -f -qq -y -xx -s 65536 -o "$WORK/$name.strace" -e trace=$STRACE_SET \
		-- "$@" >"$WORK/$name.strace.out" 2>&1)
	rc_strace=$?
	rm -rf "$RUN" && mkdir -p "$RUN"
	(cd "$RUN" && "$AGENTSH" wrap "${WRAP_OPTS[@]}" --events "$WORK/$name.jsonl" \
		-- "$@" >"$WORK/$name.wrap.out" 2>&1)
	rc_wrap=$?
	echo "$name: exit native $rc_native, strace $rc_strace, agentsh $rc_wrap"
	if [ "$rc_native" != 0 ] || [ "$rc_strace" != 0 ] || [ "$rc_wrap" != 0 ]; then
		echo "  workload output under agentsh:"
		sed 's/^/    /' "$WORK/$name.wrap.out" | head -20
		FAILED+=("$name (exit status)")
	fi
	"$PY" "$WORK/compare.py" "$name" "$WORK/$name.strace" "$WORK/$name.jsonl" "$RUN" ||
		FAILED+=("$name")
}

FAILED=()
echo "== $LABEL: agentsh wrap ${WRAP_OPTS[*]} vs strace -f =="

run_compare shell_pipeline /bin/sh -c \
	'cat /etc/passwd | grep root | wc -l > out.txt && cat out.txt ../run/./out.txt >/dev/null;
	 mkdir sub && cd sub && ls .. >/dev/null && cat ../out.txt > copy.txt && (cat copy.txt | cat) >/dev/null'

# First run natively once so any bytecode caching happens before the compared runs.
"$PY" -c 'import json, socket, subprocess, threading' >/dev/null 2>&1
run_compare python_subprocess_threads "$PY" -c "$(cat "$WORK/workload.py")" \
	"$RUN" "$PORT_A" "$PORT_B" "$ABSTRACT"

run_compare c_threads_open "$PROGS/prog_tr_threads_open" "$RUN"
run_compare vfork_exec "$PROGS/prog_tr_vfork_exec"
run_compare exec_from_thread "$PROGS/prog_tr_thread_exec" /etc/hostname

if "$PROGS/prog_tr_int80" /etc/hostname >"$WORK/int80.probe" 2>&1; then
	run_compare int80 "$PROGS/prog_tr_int80" /etc/hostname
elif [ $? = 77 ]; then
	echo "int80: SKIPPED: $(cat "$WORK/int80.probe")"
else
	echo "int80: SKIPPED: prog_tr_int80 fails natively: $(head -c 300 "$WORK/int80.probe")"
fi

if [ ${#FAILED[@]} -ne 0 ]; then
	fail "$LABEL: agentsh and strace disagree on: ${FAILED[*]}"
fi
echo "PASS: $LABEL: agentsh and strace observe the same execs, opens and connects"
