#!/usr/bin/env bash
# A real `agentsh server` on a free port, driven with curl and the real CLI: session
# lifecycle, the exec JSON field by field, deny -> 403/126 with guidance, approvals
# answered while the command waits, SSE streams, concurrent execs without cross-talk,
# malformed and oversized requests -> 400/413 with nothing lost, history after restart.
set -u
: "${AGENTSH:?AGENTSH must point at the agentsh binary}"
command -v curl >/dev/null || { echo "skip: curl is needed"; exit 77; }
command -v jq >/dev/null || { echo "skip: jq is needed"; exit 77; }
"$AGENTSH" wrap -- true 2>/dev/null || { echo "skip: agentsh wrap cannot trace here (ptrace refused?)"; exit 77; }

T=$(mktemp -d /tmp/test_server_api.XXXXXX)
SRV_PID=
cleanup() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && trap - EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
export AGENTSH_SERVER=$URL AGENTSH_DATA_DIR=$T/data AGENTSH_NO_AUTO=1
mkdir -p "$T/pol" "$T/ws" "$T/secret" && echo s3cret >"$T/secret/key"
cat >"$T/pol/default.yaml" <<YAML
version: 1
name: default
command_rules:
  - {name: deny-rm, commands: [rm], decision: deny, message: "rm is not allowed here"}
  - {name: approve-touch, commands: [touch], decision: approve}
  - {name: allow-rest, commands: ["*"], decision: allow}
file_rules:
  - {name: deny-secret, paths: ["$T/secret/**"], operations: ["*"], decision: deny}
  - {name: allow-rest, paths: ["**"], operations: ["*"], decision: allow}
network_rules:
  - {name: deny-net, decision: deny}
YAML
cat >"$T/config.yaml" <<YAML
server:
  http:
    addr: 127.0.0.1:$PORT
    max_request_size: 64KB
policies:
  dir: $T/pol
approvals:
  enabled: true
sandbox:
  ptrace:
    performance:
      max_hold_ms: 20000
YAML

start_server() {
	"$AGENTSH" server --config "$T/config.yaml" >>"$T/server.log" 2>&1 &
	SRV_PID=$!
	for _ in $(seq 50); do curl -sf "$URL/health" >/dev/null && return 0; sleep 0.1; done
	echo "server did not start:"; cat "$T/server.log"; exit 1
}
stop_server() { kill "$SRV_PID"; wait "$SRV_PID" 2>/dev/null; SRV_PID=; }
# req METHOD PATH [BODY]: body in $T/body, status in $T/status
req() {
	curl -s -o "$T/body" -w '%{http_code}' -X "$1" "$URL$2" ${3:+-d "$3"} >"$T/status"
}
status() { cat "$T/status"; }
body() { jq -r "$1" "$T/body"; }

start_server
check "GET /health is ok" test "$(curl -s "$URL/health")" = ok
check "GET /ready" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/ready")" = 200

# --- session lifecycle ---
req POST /api/v1/sessions "{\"id\":\"s1\",\"workspace\":\"$T/ws\"}"
check "create -> 201" test "$(status)" = 201
check "create returns id, workspace, policy, created_at" \
	test "$(body '[.id,.workspace,.policy,(.created_at|type)]|join(",")')" = "s1,$T/ws,default,string"
req POST /api/v1/sessions "{\"id\":\"s1\",\"workspace\":\"$T/ws\"}"
check "duplicate id -> 409" test "$(status)" = 409
req POST /api/v1/sessions "{\"workspace\":\"$T/ws\",\"policy\":\"nope\"}"
check "unknown policy refused" test "$(status)" = 403
req POST /api/v1/sessions "{\"workspace\":\"$T/does-not-exist\"}"
check "missing workspace -> 400" test "$(status)" = 400
req GET /api/v1/sessions
check "list has s1 with created_at" test "$(body '[.[]|select(.id=="s1")|.created_at|type]|join(",")')" = string
req PATCH /api/v1/sessions/s1 '{"set_env":{"GREETING":"hi"},"cwd":"/"}'
check "update -> 200, cwd /" test "$(status),$(body .cwd),$(body .env.GREETING)" = "200,/,hi"
req PATCH /api/v1/sessions/s1 "{\"cwd\":\"$T/ws\"}"

# --- exec JSON shape ---
req POST /api/v1/sessions/s1/exec '{"command":"sh","args":["-c","echo $GREETING; echo oops >&2; exit 3"],"include_events":"all"}'
check "exec -> 200" test "$(status)" = 200
check "exec top-level keys" test "$(body 'keys|join(",")')" = "command_id,events,guidance,request,resources,result,session_id,timestamp"
check "result fields" test "$(body '.result|[.exit_code,.stdout,.stderr,.stdout_truncated,.stdout_total_bytes,(.duration_ms|type)]|map(tostring)|join("|")')" = "3|hi
|oops
|false|3|number"
check "result.error E_COMMAND_FAILED" test "$(body .result.error.code)" = E_COMMAND_FAILED
check "events lists and counts" test "$(body '.events|[(.file_operations|type),(.network_operations|type),(.blocked_operations|type),(.other|type),(.file_operations_count>0),.blocked_operations_count,.truncated]|map(tostring)|join(",")')" = "array,array,array,array,true,0,false"
check "events belong to this command" test "$(body '[.events.file_operations[]|select(.command_id!=$c or .session_id!="s1")]|length' --arg c "$(body .command_id)" 2>/dev/null || jq --arg c "$(body .command_id)" '[.events.file_operations[]|select(.command_id!=$c or .session_id!="s1")]|length' "$T/body")" = 0
check "exec event of sh in other" test "$(body '[.events.other[]|select(.type=="ptrace_execve")]|length>0')" = true
check "resources" test "$(body '.resources|[(.cpu_user_ms|type),(.cpu_system_ms|type),(.memory_peak_kb>0)]|map(tostring)|join(",")')" = "number,number,true"
check "guidance failed" test "$(body '.guidance|[.status,.blocked,(.suggestions|type),(.substitutions|type)]|map(tostring)|join(",")')" = "failed,false,array,array"
req POST /api/v1/sessions/s1/exec '{"command":"echo","args":["x"]}'
check "default events=summary: counts, no file list" test "$(body '[.events.file_operations_count>0, (.events.file_operations|length)]|map(tostring)|join(",")')" = "true,0"
req POST /api/v1/sessions/s1/exec '{"command":"echo","args":["x"],"include_events":"none"}'
check "include_events none omits events" test "$(body 'has("events")')" = false
req POST /api/v1/sessions/s1/exec '{"command":"sh","args":["-c","head -c 2000000 /dev/zero"],"include_events":"none"}'
check "stdout capped with total" test "$(body '.result|[.stdout_truncated,.stdout_total_bytes]|map(tostring)|join(",")')" = "true,2000000"
req POST /api/v1/sessions/s1/exec '{"command":"cat","stdin":"from stdin"}'
check "stdin is delivered" test "$(body .result.stdout)" = "from stdin"
req POST /api/v1/sessions/s1/exec '{"command":"sleep","args":["5"],"timeout":"300ms"}'
check "timeout kills the command" test "$(body '.result.exit_code != 0 and .result.duration_ms < 4000')" = true

# --- deny ---
touch "$T/ws/keep"
req POST /api/v1/sessions/s1/exec '{"command":"rm","args":["keep"]}'
check "denied command -> 403" test "$(status)" = 403
check "denied -> exit 126, E_POLICY_DENIED, rule" test "$(body '[.result.exit_code,.result.error.code,.result.error.policy_rule]|map(tostring)|join(",")')" = "126,E_POLICY_DENIED,deny-rm"
check "denied guidance" test "$(body '.guidance|[.status,.blocked,.policy_rule,.reason,.blocked_operation]|map(tostring)|join(",")')" = "blocked,true,deny-rm,rm is not allowed here,exec"
check "file survived" test -e "$T/ws/keep"
req POST /api/v1/sessions/s1/exec "{\"command\":\"cat\",\"args\":[\"$T/secret/key\"],\"include_events\":\"blocked\"}"
check "denied file op: 200, blocked guidance, no content" test "$(status),$(body .guidance.status),$(body .guidance.blocked_target),$(body .result.stdout)" = "200,blocked,$T/secret/key,"
check "blocked_operations lists it" test "$(body '.events.blocked_operations[0].policy.rule')" = deny-secret
"$AGENTSH" exec s1 -- rm keep >"$T/cli.out" 2>"$T/cli.err"
check "CLI: denied exits 126" test $? = 126
check "CLI: one-line reason on stderr" grep -q "^agentsh: blocked: rm is not allowed here (rule deny-rm)$" "$T/cli.err"
"$AGENTSH" exec s1 -- sh -c 'exit 7'
check "CLI: exit status passes through" test $? = 7
check "CLI --output json" test "$("$AGENTSH" exec s1 --output json -- echo hey | jq -r .result.stdout)" = hey

# --- approvals ---
curl -s -o "$T/appr1" -w '%{http_code}' -X POST "$URL/api/v1/sessions/s1/exec" -d '{"command":"touch","args":["approved"]}' >"$T/appr1.status" &
CURL1=$!
for _ in $(seq 50); do req GET /api/v1/approvals; [ "$(body length)" -ge 1 ] && break; sleep 0.1; done
check "pending approval listed" test "$(body '.[0]|[.session_id,.rule,.status]|join(",")')" = "s1,approve-touch,pending"
AID=$(body '.[0].id')
check "command waits while pending" test ! -e "$T/ws/approved"
req POST "/api/v1/approvals/$AID" '{"decision":"maybe"}'
check "bad decision -> 400" test "$(status)" = 400
req POST "/api/v1/approvals/$AID" '{"decision":"allow","reason":"fine"}'
check "resolve -> 200" test "$(status)" = 200
wait $CURL1
check "approved command ran" test "$(cat "$T/appr1.status"),$(jq -r .result.exit_code "$T/appr1")" = "200,0"
check "approved file exists" test -e "$T/ws/approved"
req POST "/api/v1/approvals/$AID" '{"decision":"allow"}'
check "resolving twice -> 404" test "$(status)" = 404
"$AGENTSH" exec s1 -- touch refused >"$T/cli2.out" 2>"$T/cli2.err" &
CLI2=$!
for _ in $(seq 50); do AID=$("$AGENTSH" approve list --json | jq -r '.[0].id // empty'); [ -n "$AID" ] && break; sleep 0.1; done
"$AGENTSH" approve resolve "$AID" --deny --reason "not today" >/dev/null
check "CLI approve resolve --deny" test $? = 0
wait $CLI2
check "refused command exits 126" test $? = 126
check "refused file absent" test ! -e "$T/ws/refused"

# --- SSE ---
curl -sN -X POST "$URL/api/v1/sessions/s1/exec/stream" -d '{"command":"sh","args":["-c","echo one; sleep 0.2; echo two >&2"]}' >"$T/sse"
check "stream has stdout, stderr, done" test "$(grep -c '^event: \(stdout\|stderr\|done\)$' "$T/sse")" = 3
check "stream done carries exec JSON" test "$(grep -A1 '^event: done' "$T/sse" | sed -n 's/^data: //p' | jq -r .result.exit_code)" = 0
curl -sN --max-time 4 "$URL/api/v1/sessions/s1/events" >"$T/live" &
LIVE=$!
sleep 0.5
req POST /api/v1/sessions/s1/exec '{"command":"true"}'
sleep 0.5
kill $LIVE 2>/dev/null; wait $LIVE 2>/dev/null
check "live events SSE sees the exec" grep -q '^event: ptrace_execve$' "$T/live"
"$AGENTSH" exec s1 --stream -- sh -c 'echo streamed' >"$T/cli3.out"
check "CLI --stream" test "$(cat "$T/cli3.out")" = streamed

# --- concurrency: no cross-talk ---
for i in 1 2 3; do
	req POST /api/v1/sessions "{\"id\":\"c$i\",\"workspace\":\"$T/ws\"}"
	echo "m$i" >"$T/ws/marker$i"
done
CONC=
for i in 1 2 3; do
	curl -s -X POST "$URL/api/v1/sessions/c$i/exec" -d "{\"command\":\"sh\",\"args\":[\"-c\",\"for k in 1 2 3 4 5; do cat marker$i; done\"],\"include_events\":\"all\"}" >"$T/conc$i" &
	CONC="$CONC $!"
done
wait $CONC
for i in 1 2 3; do
	check "concurrent exec $i output" test "$(jq -r '.result.stdout|split("\n")|map(select(.!=""))|unique|join(",")' "$T/conc$i")" = "m$i"
	check "concurrent exec $i events are its own" test "$(jq '[.events.file_operations[]|select(.session_id!="c'$i'")]|length' "$T/conc$i")" = 0
	check "concurrent exec $i never saw another marker" test "$(jq '[.events.file_operations[]|select((.path|test("marker"))and(.path|endswith("marker'$i'")|not))]|length' "$T/conc$i")" = 0
done

# --- malformed and oversized ---
req POST /api/v1/sessions/s1/exec '{"command": '
check "malformed JSON -> 400 JSON error" test "$(status),$(body .code)" = "400,E_INVALID_JSON"
req POST /api/v1/sessions/s1/exec '[1,2]'
check "non-object -> 400" test "$(status)" = 400
req POST /api/v1/sessions/s1/exec '{"args":["x"]}'
check "missing command -> 400" test "$(status)" = 400
head -c 200000 /dev/zero | tr '\0' a >"$T/big"
check "oversized -> 413" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/api/v1/sessions/s1/exec" --data-binary @"$T/big")" = 413
check "oversized chunked -> 413" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Transfer-Encoding: chunked' -X POST "$URL/api/v1/sessions/s1/exec" --data-binary @"$T/big")" = 413
req GET /api/v1/sessions/s1
check "nothing lost after bad requests" test "$(status),$(body .id)" = "200,s1"
req GET /api/v1/nowhere
check "unknown endpoint -> 404 JSON" test "$(status),$(body .code)" = "404,E_NOT_FOUND"

# --- history, search, metrics, kill, destroy ---
req GET /api/v1/sessions/s1/history
check "history has the denied exec (submit-time check)" test "$(body '[.events[]|select(.type=="command_policy" and .policy.rule=="deny-rm" and .policy.effective_decision=="deny")]|length>0')" = true
check "history ordered by time" test "$(body '[.events[].timestamp]|. == sort')" = true
req GET "/api/v1/events/search?type=ptrace_file&decision=deny"
check "search by type and decision" test "$(body '([.events[]|select(.type!="ptrace_file" or .policy.effective_decision!="deny")]|length),(.events|length>0)' | tr '\n' ,)" = "0,true,"
check "metrics" grep -q '^agentsh_execs_total [1-9]' <(curl -s "$URL/metrics")
curl -s -o "$T/killed" -X POST "$URL/api/v1/sessions/s1/exec" -d '{"command":"sleep","args":["30"]}' &
KC=$!
sleep 1
CID=$(curl -s "$URL/api/v1/events/search?type=command_started&session_id=s1&limit=1" | jq -r '.events[-1].command_id')
req POST "/api/v1/sessions/s1/kill/$CID"
check "kill -> 200" test "$(status)" = 200
wait $KC
check "killed command ends with error" test "$(jq -r '.result.exit_code != 0' "$T/killed")" = true
"$AGENTSH" session logs s1 --type exec >"$T/logs"
check "session logs --type exec" grep -q 'ptrace_execve' "$T/logs"
req DELETE /api/v1/sessions/s1
check "destroy -> 200" test "$(status)" = 200
req GET /api/v1/sessions/s1
check "destroyed session -> 404" test "$(status)" = 404

stop_server
start_server
req GET /api/v1/sessions/s1/history
check "history survives a restart (SQLite)" test "$(status),$(body '.events|length>10')" = "200,true"
check "events.db in the data dir" test -s "$T/data/events.db"

[ $fails -eq 0 ] && echo "all server API checks passed" || echo "$fails check(s) failed"
[ $fails -eq 0 ]
