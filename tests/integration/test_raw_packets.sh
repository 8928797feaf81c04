#!/usr/bin/env bash
# Sockets that write their own IP header (IPPROTO_RAW, IP_HDRINCL,
# IPV6_HDRINCL) or whole frames (AF_PACKET) carry their destination in the
# payload, where no network rule can judge it (tests/escapes/
# esc_net_raw_hdrincl reaches a denied address that way): under a policy
# they are refused with a deny-raw-packets event; raw ICMP (ping), which
# builds no header, and other socket options stay; without a policy all run.
set -u
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3.11
[ -x "$py" ] || skip "no $py"
d=$(mktemp -d /tmp/agentsh-raw-XXXXXX)
trap 'rm -rf "$d"' EXIT
cat >"$d/r.py" <<'EOP'
import socket
def attempt(label, fn):
    try:
        fn()
        print(label, "ok")
    except OSError as e:
        print(label, type(e).__name__)
def hdrincl(fam, level, opt):
    s = socket.socket(fam, socket.SOCK_RAW, socket.IPPROTO_ICMP if fam == socket.AF_INET else socket.IPPROTO_ICMPV6)
    try:
        s.setsockopt(level, opt, 1)
    finally:
        s.close()
attempt("packet", lambda: socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x0800)).close())
attempt("ipraw", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW).close())
attempt("icmp", lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).close())
attempt("hdrincl", lambda: hdrincl(socket.AF_INET, socket.IPPROTO_IP, socket.IP_HDRINCL))
attempt("hdrincl6", lambda: hdrincl(socket.AF_INET6, socket.IPPROTO_IPV6, 36))
attempt("ttl", lambda: hdrincl(socket.AF_INET, socket.IPPROTO_IP, socket.IP_TTL))
EOP
native=$("$py" "$d/r.py")
[ "$native" = "$(printf 'packet ok\nipraw ok\nicmp ok\nhdrincl ok\nhdrincl6 ok\nttl ok')" ] ||
	skip "raw sockets are not all available natively here: $native"
cat >"$d/p.yaml" <<'EOP'
version: 1
name: raw
network_rules:
  - name: deny-one
    cidrs: ["127.0.0.2/32"]
    decision: deny
command_rules:
  - name: all
    commands: ["*"]
    decision: allow
EOP
want="packet PermissionError
ipraw PermissionError
icmp ok
hdrincl PermissionError
hdrincl6 PermissionError
ttl ok"
for m in prefilter ptrace; do
	out=$("$AGENTSH" wrap --mode "$m" --policy "$d/p.yaml" --events "$d/ev.$m" -- "$py" "$d/r.py")
	[ "$out" = "$want" ] || fail "$m: $(diff <(echo "$want") <(echo "$out"))"
	n=$(grep -c '"rule":"deny-raw-packets"' "$d/ev.$m")
	[ "$n" = 4 ] || fail "$m: $n deny-raw-packets events, want 4"
	ok "$m: header-writing sockets refused and recorded, ping's raw ICMP and other options not"
	out=$("$AGENTSH" wrap --mode "$m" --events "$d/np.$m" -- "$py" "$d/r.py")
	[ "$out" = "$native" ] || fail "$m without a policy: $out"
	ok "$m: without a policy they run"
done
pass
