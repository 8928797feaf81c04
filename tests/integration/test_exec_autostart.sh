#!/usr/bin/env bash
# `agentsh exec` autostarts a local server when none answers, unless AGENTSH_NO_AUTO=1;
# and with auth.type api_key the API refuses requests without the key (health stays open).
set -u
: "${AGENTSH:?AGENTSH must point at the agentsh binary}"
command -v curl >/dev/null || { echo "skip: curl is needed"; exit 77; }
command -v jq >/dev/null || { echo "skip: jq is needed"; exit 77; }
"$AGENTSH" wrap -- true 2>/dev/null || { echo "skip: agentsh wrap cannot trace here"; exit 77; }

T=$(mktemp -d /tmp/test_exec_autostart.XXXXXX)
PIDS=
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$T"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
server_pid() { ss -ltnpH "sport = :$1" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }

mkdir -p "$T/pol" "$T/ws"
printf 'version: 1\nname: default\ncommand_rules:\n  - {name: all, commands: ["*"], decision: allow}\n' >"$T/pol/default.yaml"
printf 'policies:\n  dir: %s\n' "$T/pol" >"$T/config.yaml"
export AGENTSH_CONFIG=$T/config.yaml AGENTSH_DATA_DIR=$T/data
cd "$T/ws"

PORT=$(free_port)
AGENTSH_NO_AUTO=1 AGENTSH_SERVER=http://127.0.0.1:$PORT "$AGENTSH" exec -- echo hi >"$T/out" 2>"$T/err"
check "AGENTSH_NO_AUTO=1: no server, exec fails" test $? -ne 0
check "AGENTSH_NO_AUTO=1: nothing listening" test -z "$(server_pid "$PORT")"
check "AGENTSH_NO_AUTO=1: says why" grep -q "no agentsh server" "$T/err"

AGENTSH_SERVER=http://127.0.0.1:$PORT "$AGENTSH" exec -- echo hi >"$T/out" 2>"$T/err"
check "autostart: exec succeeds" test $? = 0
check "autostart: output" test "$(cat "$T/out")" = hi
P=$(server_pid "$PORT"); PIDS="$PIDS $P"
check "autostart: a server listens on the URL's port" test -n "$P"
check "autostart: server log in the data dir" test -s "$T/data/server.log"
AGENTSH_SERVER=http://127.0.0.1:$PORT "$AGENTSH" exec mysid -- sh -c 'exit 4'
check "second exec reuses it, missing session auto-created, exit passes" test $? = 4
check "auto-created session has the given id" test "$(curl -s "http://127.0.0.1:$PORT/api/v1/sessions/mysid" | jq -r .workspace)" = "$T/ws"
kill "$P"

# api_key auth
PORT=$(free_port)
printf 'server:\n  http:\n    addr: 127.0.0.1:%s\nauth:\n  type: api_key\n  api_key:\n    keys: ["k-123456"]\npolicies:\n  dir: %s\n' "$PORT" "$T/pol" >"$T/auth.yaml"
"$AGENTSH" server --config "$T/auth.yaml" >"$T/auth.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
U=http://127.0.0.1:$PORT
check "auth: /health open" test "$(curl -s -o /dev/null -w '%{http_code}' "$U/health")" = 200
check "auth: no key -> 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/sessions")" = 401
check "auth: wrong key -> 401" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-API-Key: k-12345' "$U/api/v1/sessions")" = 401
check "auth: right key -> 200" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-API-Key: k-123456' "$U/api/v1/sessions")" = 200
AGENTSH_NO_AUTO=1 AGENTSH_SERVER=$U AGENTSH_API_KEY=k-123456 "$AGENTSH" exec -- echo authed >"$T/out"
check "auth: CLI sends AGENTSH_API_KEY" test "$(cat "$T/out")" = authed

# bad config is refused with FILE:LINE:COL
printf 'server:\n  http:\n    adress: x\n' >"$T/bad.yaml"
"$AGENTSH" server --config "$T/bad.yaml" 2>"$T/bad.err"
check "bad config: exit 2" test $? = 2
check "bad config: FILE:LINE:COL" grep -q "$T/bad.yaml:3:5: unknown key \"server.http.adress\"" "$T/bad.err"

[ $fails -eq 0 ] && echo "all autostart/auth checks passed" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
