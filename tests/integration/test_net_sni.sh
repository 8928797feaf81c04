#!/usr/bin/env bash
# connect_redirects tls.mode rewrite_sni: a ClientHello whose SNI was rewritten
# by net_tls_rewrite_sni() reaches a real TLS server (openssl s_server), which
# parses it, sees the new name, picks the certificate for it and answers with
# a ServerHello the client accepts.
#
# The handshake cannot finish, and this test shows it: both sides hash the
# ClientHello into the transcript (TLS 1.3 key schedule, TLS 1.2 Finished),
# the client hashes what it wrote and the server what it received, so the
# keys differ ("bad record mac"). No byte rewrite can avoid that; see
# docs/network.md "rewrite_sni".
set -uo pipefail
command -v openssl >/dev/null || { echo "skip: openssl not installed"; exit 77; }
proxy=${PROGS:?}/prog_net_sniproxy
[ -x "$proxy" ] || { echo "skip: $proxy not built"; exit 77; }
dir=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$dir"; }
trap cleanup EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/k.pem" -out "$dir/c.pem" \
	-subj /CN=rewritten.example.test -days 1 >/dev/null 2>&1 || { echo "FAIL: openssl req"; exit 1; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# s_server prints 'Hostname in TLS extension: "NAME"' when -servername is set;
# its stdin must stay open or it exits after the handshake.
mkfifo "$dir/stdin"
sleep 30 >"$dir/stdin" 2>/dev/null &
pids+=($!)
openssl s_server -accept "127.0.0.1:$port" -cert "$dir/c.pem" -key "$dir/k.pem" \
	-servername rewritten.example.test -cert2 "$dir/c.pem" -key2 "$dir/k.pem" -naccept 1 \
	<"$dir/stdin" >"$dir/server.log" 2>&1 &
pids+=($!)
"$proxy" "$dir/proxy.port" "$port" rewritten.example.test 2>"$dir/proxy.log" &
pids+=($!)
for _ in $(seq 50); do
	[ -s "$dir/proxy.port" ] && grep -q ACCEPT "$dir/server.log" 2>/dev/null && break
	sleep 0.1
done
pport=$(cat "$dir/proxy.port" 2>/dev/null) || { echo "FAIL: relay did not start"; exit 1; }

(sleep 2) | timeout 10 openssl s_client -connect "127.0.0.1:$pport" \
	-servername original.example.test >"$dir/client.log" 2>&1
sleep 0.5
fail=0
grep -q 'Hostname in TLS extension: "rewritten.example.test"' "$dir/server.log" ||
	{ echo "FAIL: server did not see the rewritten SNI"; fail=1; }
grep -q 'sni original.example.test -> rewritten.example.test' "$dir/proxy.log" ||
	{ echo "FAIL: relay did not rewrite original.example.test"; fail=1; }
grep -q 'Switching server context' "$dir/server.log" ||
	{ echo "FAIL: server did not select the context for the new name"; fail=1; }
grep -q 'Server Temp Key' "$dir/client.log" ||
	{ echo "FAIL: client did not accept the server's reply to the rewritten hello"; fail=1; }
if [ $fail -ne 0 ]; then
	echo "--- server"; cat "$dir/server.log"; echo "--- relay"; cat "$dir/proxy.log"
	echo "--- client"; head -40 "$dir/client.log"; exit 1
fi
if grep -q 'bad record mac' "$dir/server.log" "$dir/client.log"; then
	echo "note: handshake then failed on the transcript hash, as expected for any in-flight rewrite"
fi
echo "ok: s_server received and acted on SNI rewritten.example.test"
