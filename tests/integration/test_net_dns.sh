#!/usr/bin/env bash
# DNS through agentsh wrap: a traced program's queries to any resolver address
# on port 53 (UDP, TCP, IPv6) reach agentsh's DNS proxy, which asks a local
# authoritative server (dns_upstreams) and applies network_rules and
# dns_redirects; a later connect() is judged on the name behind the IP.
set -uo pipefail
: "${AGENTSH:?}" "${PROGS:?}"
[ -x "$AGENTSH" ] || { echo "skip: $AGENTSH not built"; exit 77; }
if ! nm "$AGENTSH" 2>/dev/null | grep ' T dnsproxy_start$' >/dev/null; then
	echo "skip: agentsh does not start the DNS proxy yet (net/dnsproxy not wired into wrap)"
	exit 77
fi
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$dir"; }
trap cleanup EXIT

"$PROGS/prog_net_dnsd" -p "$dir/dns.port" allowed.test=127.0.0.20/30 '*.example.test=127.0.0.20' \
	evil.blocked.test=127.0.0.21 redirected.test=127.0.0.22 &
pids+=($!)
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.20", 0)); s.listen(16); print(s.getsockname()[1], flush=True)
while True: s.accept()[0].close()' >"$dir/listen.port" &
pids+=($!)
for _ in $(seq 50); do [ -s "$dir/dns.port" ] && [ -s "$dir/listen.port" ] && break; sleep 0.1; done
lport=$(cat "$dir/listen.port")
cat >"$dir/config.yaml" <<EOC
sandbox:
  network:
    dns_port: 0
    dns_upstreams: ["127.0.0.1:$(cat "$dir/dns.port")"]
EOC
cat >"$dir/policy.yaml" <<'EOP'
version: 1
name: net-dns
command_rules:
  - {name: run-anything, commands: ["*"], decision: allow}
file_rules:
  - {name: files, paths: ["/**"], operations: ["*"], decision: allow}
network_rules:
  - name: deny-blocked
    domains: ["*.blocked.test"]
    decision: deny
  - name: allow-test-names
    domains: ["allowed.test", "*.example.test", "redirected.test"]
    decision: allow
dns_redirects:
  - name: to-listener
    match: 'redirected\.test'
    resolve_to: 127.0.0.20
    visibility: audit_only
EOP
fail=0
run() { # expected-substring, then prog_net_dnsq args
	local want=$1; shift
	out=$("$AGENTSH" wrap --config "$dir/config.yaml" --policy "$dir/policy.yaml" \
		--events "$dir/events.jsonl" -- "$PROGS/prog_net_dnsq" "$@" 2>&1)
	if [[ "$out" != *"$want"* ]]; then
		echo "FAIL: prog_net_dnsq $*: want '$want', got: $out"; fail=1
	fi
}
run $'rcode=0 ip=127.0.0.20\nconnect=ok' 192.0.2.53 allowed.test "$lport"
run 'rcode=3 ip=-' 192.0.2.53 evil.blocked.test
run 'rcode=0 ip=127.0.0.20' 192.0.2.53 sub.example.test
# gobwas globs with a '.' separator: * is one label, so two labels do not match
run 'rcode=3 ip=-' 192.0.2.53 deep.sub.example.test
run 'rcode=0 ip=127.0.0.20' -t 198.51.100.1 a.example.test
run 'rcode=0 ip=127.0.0.20' -6 2001:db8::53 b.example.test
run $'rcode=0 ip=127.0.0.20\nconnect=ok' 192.0.2.53 redirected.test "$lport"
# the denied name's address, hard-coded: no name behind it, default deny
out=$("$AGENTSH" wrap --config "$dir/config.yaml" --policy "$dir/policy.yaml" -- \
	python3 -c "import socket; socket.create_connection(('127.0.0.21', $lport), 2); print('connected')" 2>&1)
[[ "$out" == *connected* ]] && { echo "FAIL: hard-coded denied IP was reachable"; fail=1; }
grep -q '"domain":"evil.blocked.test"' "$dir/events.jsonl" 2>/dev/null ||
	{ echo "FAIL: no event for the denied query"; fail=1; }
grep -q '"type":"dns_redirect"' "$dir/events.jsonl" 2>/dev/null ||
	{ echo "FAIL: no dns_redirect event"; fail=1; }
[ $fail -eq 0 ] && echo "ok: DNS through agentsh wrap"
exit $fail
