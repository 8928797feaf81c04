#!/bin/bash
# agentsh report and policy generate against a real server: a server on a free port, two
# sessions, commands through `agentsh exec`; `report latest` picks the newest session, `report SID`
# the one named, and `policy generate latest` writes a policy that a new session can use to run
# the same commands with nothing denied.
set -u
fail=0
check() { # check NAME EXIT-STATUS-OF-CONDITION
	if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
T=$(mktemp -d)
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
for part in "server --help" "session list" "exec --help"; do
	if "$AGENTSH" $part 2>&1 | grep -q "not implemented"; then
		echo "skip: agentsh ${part%% *} is not implemented in this build"
		exit 77
	fi
done
command -v python3 >/dev/null && command -v curl >/dev/null || { echo "skip: needs python3 and curl"; exit 77; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HOME="$T/home" AGENTSH_DATA_DIR="$T/data" AGENTSH_NO_AUTO=1
export AGENTSH_SERVER="http://127.0.0.1:$PORT" AGENTSH_HTTP_ADDR="127.0.0.1:$PORT"
unset AGENTSH_SESSION_ID AGENTSH_CONFIG AGENTSH_API_KEY
mkdir -p "$HOME" "$T/data" "$T/policies" "$T/ws1" "$T/ws2" "$T/ws3"
echo secret >"$T/secret"
cat >"$T/policies/rt.yaml" <<EOF
version: 1
name: rt
command_rules:
  - name: all
    decision: allow
file_rules:
  - name: no-secret
    paths: ['$T/secret']
    decision: deny
  - name: mine
    paths: ['$T/**', '/dev/null']
    decision: allow
EOF
cat >"$T/config.yaml" <<EOF
server:
  http:
    addr: "127.0.0.1:$PORT"
policies:
  dir: "$T/policies"
  default: "rt"
  allowed: ["rt", "gen"]
sessions:
  base_dir: "$T/sessions"
audit:
  output: "$T/audit.jsonl"
EOF
"$AGENTSH" server --config "$T/config.yaml" >"$T/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
	curl -sf -m 1 "$AGENTSH_SERVER/health" >/dev/null 2>&1 && break
	sleep 0.1
done
curl -sf -m 1 "$AGENTSH_SERVER/health" >/dev/null 2>&1; check server_up $?
sid_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

S1=$("$AGENTSH" session create --workspace "$T/ws1" --policy rt | sid_of)
"$AGENTSH" exec "$S1" -- sh -c "echo one > a.txt; cat $T/secret" >/dev/null 2>&1
sleep 1.1 # created_at has millisecond resolution; keep the order unambiguous
S2=$("$AGENTSH" session create --workspace "$T/ws2" --policy rt | sid_of)
[ -n "$S1" ] && [ -n "$S2" ]; check sessions_created $?
"$AGENTSH" exec "$S2" -- sh -c 'mkdir -p out; for i in 1 2 3 4 5 6; do echo $i > out/$i; done; ls out' >/dev/null 2>&1
check exec_in_second_session $?

"$AGENTSH" report latest >"$T/latest.md" 2>"$T/err"; check report_latest_exit $?
grep -qF "**Session:** \`$S2\`" "$T/latest.md"; check latest_is_newest_session $?
grep -qF "**Workspace:** \`$T/ws2\`" "$T/latest.md" && grep -qF "**Policy:** \`rt\`" "$T/latest.md"
check session_info_in_header $?
"$AGENTSH" report "$S1" --level detailed >"$T/s1.md" 2>&1; check report_sid_exit $?
grep -qF "**Session:** \`$S1\`" "$T/s1.md" && grep -qF "\`open $T/secret\`" "$T/s1.md" &&
	grep -q "rule \`no-secret\`" "$T/s1.md"
check report_sid_has_denied_read $?
grep -q '^## Timeline$' "$T/s1.md"; check detailed_timeline $?
"$AGENTSH" report no-such-session >"$T/o" 2>&1; [ $? -eq 1 ] && grep -qi "no-such-session" "$T/o"
check unknown_session_explained $?

if "$AGENTSH" policy generate --help 2>&1 | grep -q "not implemented"; then
	echo "skip policy generate part (agentsh policy does not dispatch generate in this build)"
	exit $fail
fi
"$AGENTSH" policy generate latest --name gen --output "$T/policies/gen.yaml" 2>"$T/generr"
check generate_latest_exit $?
grep -qF "'$T/ws2/out/**'" "$T/policies/gen.yaml"; check generated_glob $?
S3=$("$AGENTSH" session create --workspace "$T/ws2" --policy gen | sid_of)
[ -n "$S3" ]; check session_with_generated_policy $?
rm -rf "$T/ws2/out"
"$AGENTSH" exec "$S3" -- sh -c 'mkdir -p out; for i in 1 2 3 4 5 6; do echo $i > out/$i; done; ls out' >"$T/o3" 2>&1
check replay_exit $?
[ "$(grep -c . "$T/o3")" -eq 6 ]; check replay_output $?
curl -sf "$AGENTSH_SERVER/api/v1/sessions/$S3/history?decision=deny" >"$T/h3"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["count"] != 0)' "$T/h3" 2>/dev/null
check replay_nothing_denied $?
"$AGENTSH" exec "$S3" -- sh -c "echo no > $T/ws1/b.txt" >/dev/null 2>&1; [ $? -ne 0 ]
check generated_policy_denies_other_writes $?

[ $fail -eq 0 ] || tail -n 20 "$T/server.log"
exit $fail
