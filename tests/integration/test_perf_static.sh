#!/usr/bin/env bash
# sandbox.ptrace.performance: arg_level_filter leaves read-only open/openat to
# the kernel, unrecorded, and static_allow_file every file call, but only
# where the policy allows them whatever the path; a request the policy keeps
# decided is said on stderr and enforced. A send on a connected socket never
# stops (nothing to decide). Every mode that runs here gives the same events.
set -u
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3.11
[ -x "$py" ] || skip "no $py"
d=$(mktemp -d /tmp/agentsh-perfstatic-XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/ws" "$d/prot"
echo SECRET >"$d/prot/secret"
echo keep >"$d/prot/victim"

conf() { # KEY... -> config file with those performance keys true
	{
		echo "sandbox:"
		echo "  ptrace:"
		echo "    performance:"
		for k in "$@"; do echo "      $k: true"; done
	} >"$d/c.yaml"
}
cat >"$d/reads.yaml" <<EOP
version: 1
name: reads-free
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules:
  - {name: ws, paths: ["$d/ws/**"], operations: ["*"], decision: allow}
  - {name: deny-prot-writes, paths: ["$d/prot/**"], operations: [write, create, delete], decision: deny}
EOP
cat >"$d/secret.yaml" <<EOP
version: 1
name: secret
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules:
  - {name: deny-secret, paths: ["$d/prot/secret"], operations: ["*"], decision: deny}
  - {name: ws, paths: ["$d/ws/**"], operations: ["*"], decision: allow}
EOP
cat >"$d/everything.yaml" <<EOP
version: 1
name: everything
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules:
  - {name: all-files, paths: ["/**"], operations: ["*"], decision: allow}
EOP
# Reads, then the opens that only look like reads to a careless filter.
cat >"$d/w.py" <<'EOP'
import os, sys
d = sys.argv[1]
def attempt(label, fn):
    try:
        fn()
        print(label, "ok")
    except OSError as e:
        print(label, os.strerror(e.errno))
attempt("read", lambda: open(d + "/prot/secret").read())
attempt("trunc", lambda: os.close(os.open(d + "/prot/victim", os.O_RDONLY | os.O_TRUNC)))
attempt("creat", lambda: os.close(os.open(d + "/prot/new", os.O_RDONLY | os.O_CREAT, 0o644)))
attempt("append", lambda: os.close(os.open(d + "/prot/victim", os.O_RDONLY | os.O_APPEND)))
attempt("ws", lambda: open(d + "/ws/f", "w").write("x"))
EOP
modes="ptrace prefilter"
"$AGENTSH" wrap --mode notify -- true 2>/dev/null && modes="$modes notify"
run() { # MODE POLICY -> out, err, events (appended by wrap: start afresh) in $d
	rm -f "$d/ev"
	"$AGENTSH" wrap --mode "$1" --config "$d/c.yaml" --policy "$d/$2" --events "$d/ev" \
		-- "$py" "$d/w.py" "$d" >"$d/out" 2>"$d/err"
}
files() { grep '"type":"ptrace_file"' "$d/ev" | grep -o '"path":"[^"]*","operation":"[^"]*"' | sort -u; }

conf arg_level_filter
for m in $modes; do
	run "$m" reads.yaml || fail "$m: wrap failed: $(cat "$d/err")"
	grep -q "read-only opens stay decided" "$d/err" &&
		fail "$m: a policy that allows every read is said to keep them: $(cat "$d/err")"
	grep -q "read-only opens are neither decided nor recorded" "$d/err" ||
		fail "$m: no word of what arg_level_filter leaves to the kernel"
	[ "$(cat "$d/out")" = "read ok
trunc Permission denied
creat Permission denied
append Permission denied
ws ok" ] || fail "$m: results: $(cat "$d/out")"
	[ "$(cat "$d/prot/victim")" = keep ] || fail "$m: O_RDONLY|O_TRUNC truncated a protected file"
	[ -e "$d/prot/new" ] && fail "$m: O_RDONLY|O_CREAT created a file"
	grep -q '"operation":"open"' "$d/ev" && fail "$m: a read-only open was recorded: $(files)"
	files | grep -q "prot/victim\",\"operation\":\"write\"" || fail "$m: the O_TRUNC open was not decided: $(files)"
	files | grep -q "ws/f\",\"operation\":\"write\"" || fail "$m: the workspace write was not recorded"
	files >"$d/files.$m"
	ok "$m: arg_level_filter: reads unrecorded, O_TRUNC/O_CREAT/O_APPEND opens decided"
done
for m in $modes; do
	cmp -s "$d/files.ptrace" "$d/files.$m" || fail "$m records other file events than ptrace: $(diff "$d/files.ptrace" "$d/files.$m")"
done
ok "same file events in: $modes"

for m in $modes; do
	run "$m" secret.yaml || fail "$m: wrap failed"
	grep -q "arg_level_filter: read-only opens stay decided (file rule 'deny-secret'" "$d/err" ||
		fail "$m: no warning that deny-secret keeps reads decided: $(cat "$d/err")"
	head -1 "$d/out" | grep -q "read Permission denied" || fail "$m: the secret was read: $(cat "$d/out")"
	grep '"rule":"deny-secret"' "$d/ev" | grep -q '"operation":"open"' || fail "$m: no deny event for the read"
	ok "$m: a policy that denies a read keeps reads decided, and says so"
done

conf static_allow_file
for m in $modes; do
	run "$m" everything.yaml || fail "$m: wrap failed"
	grep -q '"type":"ptrace_file"' "$d/ev" && fail "$m: static_allow_file recorded file calls: $(files)"
	grep -q "ws ok" "$d/out" || fail "$m: $(cat "$d/out")"
	echo keep >"$d/prot/victim"
	rm -f "$d/prot/new"
	run "$m" reads.yaml || fail "$m: wrap failed"
	grep -q "static_allow_file: file calls stay decided" "$d/err" || fail "$m: no warning: $(cat "$d/err")"
	grep -q "trunc Permission denied" "$d/out" || fail "$m: static_allow_file dropped a deny: $(cat "$d/out")"
	ok "$m: static_allow_file only where every file call is allowed"
done

# A connected socket's sends: no stop each (AGENTSH_LOG_LEVEL=info counts them).
cat >"$d/send.py" <<'EOP'
import socket
a, b = socket.socketpair()
for _ in range(2000):
    a.send(b"x"); b.recv(1)
EOP
stops=$(AGENTSH_LOG_LEVEL=info "$AGENTSH" wrap -- "$py" "$d/send.py" 2>&1 |
	sed -n 's/.*tracer: \([0-9]*\) stops.*/\1/p')
[ -n "$stops" ] && [ "$stops" -lt 1000 ] || fail "2000 sends on a connected socket cost ${stops:-?} stops"
ok "2000 sends on a connected socket: $stops stops in all"
pass
