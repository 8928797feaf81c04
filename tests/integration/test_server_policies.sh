#!/usr/bin/env bash
# Policy routes of a real server (compat.md §4), the submit-time check, the policy's
# command_timeout and audit settings, malformed/oversized input on every new route, and a
# bounded load test (200 requests, 20 at a time) with nothing lost and no crash.
set -u
: "${AGENTSH:?AGENTSH must point at the agentsh binary}"
command -v curl >/dev/null || { echo "skip: curl is needed"; exit 77; }
command -v jq >/dev/null || { echo "skip: jq is needed"; exit 77; }
"$AGENTSH" wrap -- true 2>/dev/null || { echo "skip: agentsh wrap cannot trace here (ptrace refused?)"; exit 77; }

T=$(mktemp -d /tmp/test_server_policies.XXXXXX)
SRV_PID=
cleanup() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
export AGENTSH_SERVER=$URL AGENTSH_DATA_DIR=$T/data AGENTSH_NO_AUTO=1
mkdir -p "$T/pol" "$T/ws"
cat >"$T/pol/default.yaml" <<'YAML'
version: 1
name: default
description: test default
command_rules:
  - {name: deny-rm, commands: [rm], decision: deny, message: "rm is not allowed here"}
  - {name: allow-rest, commands: ["*"], decision: allow}
file_rules:
  - {name: deny-shadow, paths: ["/etc/shadow"], operations: ["*"], decision: deny}
  - {name: allow-rest, paths: ["**"], operations: ["*"], decision: allow}
network_rules:
  - {name: local, cidrs: ["127.0.0.0/8"], decision: allow}
signal_rules:
  - {name: own, signals: ["@all"], target: {type: children}, decision: allow}
YAML
cat >"$T/pol/timed.yaml" <<'YAML'
version: 1
name: timed
command_rules:
  - {name: allow-all, commands: ["*"], decision: allow}
file_rules:
  - {name: allow-all, paths: ["**"], operations: ["*"], decision: allow}
resource_limits:
  command_timeout: 1s
audit:
  log_allowed: false
  log_denied: true
  include_stdout: true
YAML
cat >"$T/config.yaml" <<YAML
server:
  http:
    addr: 127.0.0.1:$PORT
    max_request_size: 64KB
policies:
  dir: $T/pol
  allowed: [timed]
YAML
"$AGENTSH" server --config "$T/config.yaml" >"$T/server.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 50); do curl -sf "$URL/health" >/dev/null && break; sleep 0.1; done
req() { curl -s -o "$T/body" -w '%{http_code}' -X "$1" "$URL$2" ${3:+--data-binary "$3"} >"$T/status"; }
status() { cat "$T/status"; }
body() { jq -r "$1" "$T/body"; }
js() { jq -cn "$@"; }
VALID=$(printf 'version: 1\nname: p2\ncommand_rules:\n  - {name: all, commands: ["*"], decision: allow}\n')
BAD=$(printf 'version: 1\nname: p3\nbogus: 1\n')

# --- CRUD ---
req GET /api/v1/policies
check "list: both policies, sorted, with description" test "$(body '[.count,(.policies|map(.name)|join(",")),.policies[0].description,.policies[0].valid]|map(tostring)|join("|")')" = "2|default,timed|test default|true"
req GET /api/v1/policies/default
check "show: content and file" test "$(status),$(body .file)" = "200,$T/pol/default.yaml"
check "show: content is the file" test "$(body .content)" = "$(cat "$T/pol/default.yaml")"
req GET /api/v1/policies/nope
check "show missing -> 404" test "$(status),$(body .code)" = "404,E_POLICY_NOT_FOUND"
req POST /api/v1/policies "$(js --arg c "$VALID" '{name:"p2",content:$c}')"
check "create -> 201, file written" test "$(status),$(cat "$T/pol/p2.yaml" 2>/dev/null | head -2 | tail -1)" = "201,name: p2"
req POST /api/v1/policies "$(js --arg c "$VALID" '{name:"p2",content:$c}')"
check "create existing -> 409" test "$(status)" = 409
req POST /api/v1/policies "$(js --arg c "$BAD" '{name:"p3",content:$c}')"
check "create invalid -> 400 FILE:LINE:COL" test "$(status),$(body '[.code,.file,.line,.column]|map(tostring)|join(",")')" = "400,E_POLICY_INVALID,p3.yaml,3,1"
check "error text is FILE:LINE:COL: message" grep -q '^p3.yaml:3:1: ' <(body .error)
check "invalid policy not written" test ! -e "$T/pol/p3.yaml"
cp "$T/pol/p2.yaml" "$T/p2.before"
req PUT /api/v1/policies/p2 "$(js --arg c "$(echo "$BAD" | sed 's/p3/p2/')" '{content:$c}')"
check "replace with invalid -> 400, file untouched" test "$(status)" = 400
cmp -s "$T/p2.before" "$T/pol/p2.yaml" && ok "file byte-identical after refused PUT" || fail "file byte-identical after refused PUT"
req PUT /api/v1/policies/p2 "$(js --arg c "$VALID
description: changed" '{content:$c}')"
check "replace -> 200" test "$(status),$(grep -c changed "$T/pol/p2.yaml")" = "200,1"
req PUT /api/v1/policies/p4 "$(js --arg c "$(echo "$VALID" | sed 's/p2/p4/')" '{content:$c}')"
check "PUT a new name -> 201" test "$(status)" = 201
req PUT /api/v1/policies/p4 "$(js --arg c "$VALID" '{name:"other",content:$c}')"
check "PUT name mismatch -> 400" test "$(status)" = 400
req POST /api/v1/policies "$(js --arg c "$VALID" '{name:"../evil",content:$c}')"
check "path-like name -> 400" test "$(status),$(body .code)" = "400,E_INVALID_REQUEST"
check "no file escaped the dir" test ! -e "$T/evil.yaml"
req DELETE /api/v1/policies/default
check "delete the default -> 409" test "$(status),$(body .code)" = "409,E_POLICY_IN_USE"
req DELETE /api/v1/policies/p4
check "delete -> 200 and gone" test "$(status),$(test -e "$T/pol/p4.yaml" && echo there || echo gone)" = "200,gone"
req DELETE /api/v1/policies/p4
check "delete again -> 404" test "$(status)" = 404
req GET /api/v1/sessions/x/history
req GET "/api/v1/events/search?type=policy_created"
check "policy_created event recorded" test "$(body '.events[0].fields.policy_name')" = p2

# --- validate ---
req POST /api/v1/policies/validate "$(js --arg c "$BAD" '{content:$c}')"
check "validate invalid -> 200 valid:false, line, column" test "$(status),$(body '[.valid,.line,.column]|map(tostring)|join(",")')" = "200,false,3,1"
req POST /api/v1/policies/validate "$(js --arg c "$VALID" '{name:"p2",content:$c}')"
check "validate valid -> valid:true, warnings[]" test "$(body '[.valid,(.warnings|type)]|map(tostring)|join(",")')" = "true,array"
req POST /api/v1/policies/validate '{"name":"x"}'
check "validate without content -> 400" test "$(status)" = 400

# --- policy test == agentsh policy test ---
cd "$T/ws"
same() { # same NAME JSON-FIELDS -- CLI-ARGS...
	local name=$1 fields=$2; shift 3
	local want got
	want=$("$AGENTSH" policy test --dir "$T/pol" default --json "$@" 2>&1)
	req POST /api/v1/policy/test "$(jq -cn --arg r "$T/ws" "{policy:\"default\",project_root:\$r} + $fields")"
	got=$(jq -c '{decision,effective_decision,rule,message}' "$T/body")
	if [ "$(status)" = 200 ] && [ "$(echo "$want" | jq -c '{decision,effective_decision,rule,message}')" = "$got" ]; then ok "policy/test = CLI: $name"; else fail "policy/test = CLI: $name (cli $want, server $(status) $got)"; fi
}
same "exec denied" '{exec:"rm -rf x"}' -- --exec 'rm -rf x'
same "exec allowed" '{exec:"ls -l"}' -- --exec 'ls -l'
same "exec quoted sh -c" '{exec:"sh -c \"rm x\""}' -- --exec 'sh -c "rm x"'
same "exec at depth 1" '{exec:"rm x",depth:1}' -- --exec 'rm x' --depth 1
same "file denied" '{file:"/etc/shadow",op:"read"}' -- --file /etc/shadow --op read
same "file relative" '{file:"a.txt",op:"write"}' -- --file a.txt --op write
same "connect" '{connect:"127.0.0.1:80"}' -- --connect 127.0.0.1:80
same "connect denied" '{connect:"10.1.2.3:443"}' -- --connect 10.1.2.3:443
same "unix" '{unix:"@x",op:"connect"}' -- --unix @x --op connect
same "signal" '{signal:"TERM",target:"children"}' -- --signal TERM --target children
same "signal no rule" '{signal:"TERM",target:"external"}' -- --signal TERM --target external
req POST /api/v1/policy/test "$(js --arg c "$VALID" '{content:$c, argv:["rm","x"]}')"
check "policy/test with content and argv" test "$(status),$(body .rule)" = "200,all"
req POST /api/v1/policy/test '{"policy":"default"}'
check "policy/test without an operation -> 400" test "$(status)" = 400
req POST /api/v1/policy/test '{"policy":"default","exec":"ls","file":"/x","op":"read"}'
check "policy/test with two operations -> 400" test "$(status)" = 400
req POST /api/v1/policy/test '{"policy":"nope","exec":"ls"}'
check "policy/test unknown policy -> 404" test "$(status)" = 404
req POST /api/v1/policy/test '{"policy":"default","exec":"sh -c \"unterminated"}'
check "policy/test unterminated quote -> 400" test "$(status)" = 400

# --- wrap-init ---
req POST /api/v1/sessions "{\"id\":\"s1\",\"workspace\":\"$T/ws\"}"
req POST /api/v1/sessions/s1/wrap-init '{"agent_command":"sh","agent_args":["-c","true"]}'
check "wrap-init -> 200 ptrace mode" test "$(status),$(body '[.ptrace_mode,.wrapper_env.AGENTSH_IN_SESSION,.wrapper_env.AGENTSH_SESSION_ID]|map(tostring)|join(",")')" = "200,true,1,s1"
mapfile -t WARGS < <(body '.wrapper_args[]')
"$(body .wrapper_binary)" "${WARGS[@]}" sh -c 'exit 4' 2>/dev/null
check "the returned wrap command line runs a command" test $? = 4
"$(body .wrapper_binary)" "${WARGS[@]}" rm -f "$T/ws/nothing" 2>/dev/null
check "... under the session's policy (rm denied: 126)" test $? = 126
req POST /api/v1/sessions/s1/wrap-init '{"agent_command":"rm"}'
check "wrap-init of a denied agent -> 403" test "$(status),$(body .code)" = "403,E_POLICY_DENIED"
req POST /api/v1/sessions/nope/wrap-init '{"agent_command":"sh"}'
check "wrap-init unknown session -> 404" test "$(status)" = 404
req POST /api/v1/sessions/s1/wrap-init '{"agent_args":"x"}'
check "wrap-init without agent_command -> 400" test "$(status)" = 400

# --- submit-time check, environment ---
touch "$T/ws/keep"
req POST /api/v1/sessions/s1/exec '{"command":"rm","args":["keep"],"include_events":"all"}'
check "denied at submit: 403, 126, rule" test "$(status),$(body '[.result.exit_code,.result.error.code,.result.error.policy_rule,.guidance.blocked_operation]|map(tostring)|join(",")')" = "403,126,E_POLICY_DENIED,deny-rm,exec"
CID=$(body .command_id)
check "blocked_operations has the command_policy event" test "$(body '.events.blocked_operations[0].type')" = command_policy
req GET "/api/v1/events/search?command_id=$CID"
check "nothing ran: no execve, no command_started" test "$(body '[.events[]|select(.type=="ptrace_execve" or .type=="command_started")]|length')" = 0
check "file kept" test -e "$T/ws/keep"
req POST /api/v1/sessions/s1/exec '{"command":"sh","args":["-c","echo $AGENTSH_IN_SESSION"]}'
check "AGENTSH_IN_SESSION=1 in the command's environment" test "$(body .result.stdout)" = 1

# --- policy limits and audit ---
req POST /api/v1/sessions "{\"id\":\"t1\",\"workspace\":\"$T/ws\",\"policy\":\"timed\"}"
req POST /api/v1/sessions/t1/exec '{"command":"sleep","args":["5"],"timeout":"30s"}'
check "resource_limits.command_timeout caps the request's timeout" test "$(body '[(.result.exit_code != 0),(.result.duration_ms < 3500)]|map(tostring)|join(",")')" = "true,true"
req POST /api/v1/sessions/t1/exec '{"command":"sh","args":["-c","echo audited; cat /etc/hostname >/dev/null"],"include_events":"all"}'
CID=$(body .command_id)
check "exec response still lists the allowed file events" test "$(body '.events.file_operations_count > 0')" = true
req GET "/api/v1/events/search?command_id=$CID"
check "audit.log_allowed false: no allowed events stored" test "$(body '[.events[]|select(.policy.effective_decision=="allow")]|length')" = 0
check "audit.include_stdout: command_finished carries stdout" test "$(body '.events[]|select(.type=="command_finished")|.fields.stdout')" = audited

# --- malformed and oversized on every new route ---
head -c 70000 /dev/zero | tr '\0' a >"$T/big"
for r in "POST /api/v1/policies" "PUT /api/v1/policies/p2" "POST /api/v1/policies/validate" "POST /api/v1/policy/test" "POST /api/v1/sessions/s1/wrap-init"; do
	set -- $r
	req "$1" "$2" '{"content": '
	check "$r: malformed JSON -> 400 E_INVALID_JSON" test "$(status),$(body .code)" = "400,E_INVALID_JSON"
	req "$1" "$2" '[]'
	check "$r: non-object -> 400" test "$(status)" = 400
	check "$r: oversized -> 413" test "$(curl -s -o /dev/null -w '%{http_code}' -X "$1" "$URL$2" --data-binary @"$T/big")" = 413
done
check "nothing lost: p2 unchanged, no stray files" test "$(grep -c changed "$T/pol/p2.yaml"),$(ls -A "$T/pol" | tr '\n' ' ')" = "1,default.yaml p2.yaml timed.yaml "

# --- bounded load: 200 requests, 20 concurrent ---
cat >"$T/load.sh" <<LOAD
i=\$1
case \$((i % 5)) in
0) curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 "$URL/health" ;;
1) curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 "$URL/api/v1/policies" ;;
2) curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 -X POST "$URL/api/v1/policy/test" -d '{"policy":"default","exec":"rm x"}' ;;
3) curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 -X POST "$URL/api/v1/policies/validate" -d '{"content": ' ;;
4) curl -s -o /dev/null -w '%{http_code}\n' --max-time 60 -X POST "$URL/api/v1/sessions/s1/exec" -d '{"command":"true"}' ;;
esac
LOAD
start=$(date +%s)
seq 200 | timeout 120 xargs -P 20 -n 1 bash "$T/load.sh" >"$T/load.out"
elapsed=$(( $(date +%s) - start ))
echo "load: $(wc -l <"$T/load.out") responses in ${elapsed}s: $(sort "$T/load.out" | uniq -c | tr '\n' ' ')"
check "load: 200 answers" test "$(wc -l <"$T/load.out")" = 200
check "load: only 200 and 400 (the malformed ones)" test "$(sort -u "$T/load.out" | tr '\n' ' ')" = "200 400 "
check "load: the 40 malformed requests were 400" test "$(grep -c '^400$' "$T/load.out")" = 40
check "server alive after load" test "$(curl -s "$URL/health")" = ok
check "sessions intact after load" test "$(curl -s "$URL/api/v1/sessions" | jq 'map(.id)|sort|join(",")' -r)" = "s1,t1"

[ $fails -eq 0 ] && echo "all policy route checks passed" || { echo "$fails check(s) failed"; tail -20 "$T/server.log"; }
[ $fails -eq 0 ]
