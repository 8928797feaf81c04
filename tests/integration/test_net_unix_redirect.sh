#!/usr/bin/env bash
# connect_redirects with redirect_to_unix: a traced program connects to an
# inet address and is talking to a unix socket (a path, and an abstract name),
# with a redirect event; the socket keeps its fd number and flags.
set -u
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3.11
[ -x "$py" ] || skip "no $py"
d=$(mktemp -d /tmp/agentsh-uxr-XXXXXX)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$d"' EXIT
cat >"$d/p.yaml" <<EOP
version: 1
name: uxr
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules: [{name: all, paths: ["/**"], operations: ["*"], decision: allow}]
network_rules: [{name: lo, cidrs: [127.0.0.0/8], decision: allow}]
unix_socket_rules: [{name: ux, paths: ["$d/**", "@agentsh-uxr-*"], operations: ["*"], decision: allow}]
connect_redirects:
  - {name: to-path, match: '127\.0\.0\.1:4991', redirect_to_unix: $d/s.sock}
  - {name: to-abstract, match: '127\.0\.0\.1:4992', redirect_to_unix: "@agentsh-uxr-$$"}
EOP
serve() { "$py" -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(4)
open(sys.argv[2], 'w').close()
for _ in range(2):
    c, _ = s.accept(); c.sendall(b'unix-got:' + c.recv(100)); c.close()" "$1" "$2" & pids+=($!); }
serve "$d/s.sock" "$d/r1"
"$py" -c "
import socket, sys
s = socket.socket(socket.AF_UNIX); s.bind('\0agentsh-uxr-$$'); s.listen(4)
open('$d/r2', 'w').close()
for _ in range(2):
    c, _ = s.accept(); c.sendall(b'unix-got:' + c.recv(100)); c.close()" & pids+=($!)
wait_for test -e "$d/r1" || fail "path listener"
wait_for test -e "$d/r2" || fail "abstract listener"
client() { "$AGENTSH" wrap --policy "$d/p.yaml" --events "$d/ev.jsonl" -- "$py" -c "
import socket, fcntl, os
s = socket.create_connection(('127.0.0.1', $1), 3)
fl = fcntl.fcntl(s.fileno(), fcntl.F_GETFD)
s.sendall(b'hello'); print(s.recv(100).decode(), 'cloexec' if fl & fcntl.FD_CLOEXEC else 'no-cloexec')"; }
out=$(client 4991 2>&1)
[ "$out" = "unix-got:hello cloexec" ] || fail "path redirect: $out"
grep -q '"redirect":"unix:'"$d"'/s.sock"' "$d/ev.jsonl" || fail "no redirect event"
ok "inet connect redirected to a unix path socket (fd flags kept), with an event"
out=$(client 4992 2>&1)
[ "$out" = "unix-got:hello cloexec" ] || fail "abstract redirect: $out"
ok "inet connect redirected to an abstract unix socket"
pass
