#!/usr/bin/env bash
# Enforcement costs (issue 5): ns per traced openat when allowed, denied and
# redirected under a policy, and the time to attach to a 50-thread process.
# Usage: bench/bench_enforce.sh BUILD
set -u
build=${1:-build}
A=$build/agentsh
M=$build/bench/bench_micro
py=/usr/bin/python3.11
d=$(mktemp -d /tmp/agentsh-bench-enf-XXXXXX)
trap 'kill -9 $target 2>/dev/null; rm -rf "$d"' EXIT
target=
mkdir -p "$d/redir" && : >"$d/redir/null"
policy() { # decision for /dev/null
	cat >"$d/$1.yaml" <<EOP
version: 1
name: bench-$1
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules:
  - {name: devnull, paths: ["/dev/null"], operations: ["*"], decision: $1 $2}
  - {name: rest, paths: ["/**"], operations: ["*"], decision: allow}
EOP
}
policy allow ""
policy deny ""
policy redirect ", redirect_to: \"$d/redir\""
med() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '\n== enforcement cost per traced openat (median of 5, ns) ==\n'
nat=$(for i in 1 2 3 4 5; do "$M" 200 | awk '/openat_ns/ {print $2}'; done | med)
printf '%-12s %10s\n' native "$nat"
for k in allow deny redirect verify; do
	pol=$k extra=()
	[ "$k" = verify ] && pol=allow extra=(--verify-open always)
	v=$(for i in 1 2 3 4 5; do "$A" wrap "${extra[@]}" --policy "$d/$pol.yaml" -- "$M" 200 \
		2>/dev/null | awk '/openat_ns/ {print $2}'; done | med)
	printf '%-12s %10s   (+%s ns)\n' "$k" "$v" "$((v - nat))"
done
echo "(verify: allow plus exit-time verification, the fallback where openat2 is missing)"
[ -x "$py" ] || exit 0
cat >"$d/conn.py" <<'EOP'
import socket, time
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(512)
port = srv.getsockname()[1]; n = 400
t = time.perf_counter()
for _ in range(n):
    c = socket.create_connection(("127.0.0.1", port)); srv.accept()[0].close(); c.close()
print(int((time.perf_counter() - t) / n * 1e9))
EOP
cat >"$d/net.yaml" <<EOP
version: 1
name: bench-net
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules: [{name: all, paths: ["/**"], operations: ["*"], decision: allow}]
network_rules: [{name: lo, cidrs: [127.0.0.0/8], decision: allow}]
EOP
printf '\n== connect + accept + close on loopback (median of 5, ns per connection) ==\n'
cn=$(for i in 1 2 3 4 5; do "$py" "$d/conn.py"; done | med)
ca=$(for i in 1 2 3 4 5; do "$A" wrap --policy "$d/net.yaml" -- "$py" "$d/conn.py" 2>/dev/null; done | med)
awk -v n="$cn" -v a="$ca" 'BEGIN { printf "native %d  agentsh %d  ratio %.2fx  (+%.1f us per connect)\n", n, a, a / n, (a - n) / 1000 }'
cat >"$d/t.py" <<'EOP'
import threading, time, sys
ev = threading.Event()
for i in range(50): threading.Thread(target=ev.wait, daemon=True).start()
open(sys.argv[1], "w").close(); time.sleep(60)
EOP
printf '\n== attach to a 50-thread process (ms, median of 5) ==\n'
for i in 1 2 3 4 5; do
	rm -f "$d/ready"
	"$py" "$d/t.py" "$d/ready" & target=$!
	while [ ! -e "$d/ready" ]; do sleep 0.02; done
	s=$(date +%s%N)
	AGENTSH_LOG_LEVEL=info "$A" attach --pid $target --policy "$d/allow.yaml" 2>"$d/att.log" & ag=$!
	while ! grep -q "attached to" "$d/att.log" 2>/dev/null; do sleep 0.001; done
	echo $(( ($(date +%s%N) - s) / 1000000 ))
	kill -9 $target $ag 2>/dev/null; wait $target $ag 2>/dev/null
done | med | sed 's/^/attach_ms /'
