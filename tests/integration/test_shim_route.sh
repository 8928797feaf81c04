#!/bin/bash
# The shell shim routing for real: a shim installed in a throwaway root, a server on a free port,
# AGENTSH_SHIM_FORCE=1: `sh -c` runs through `agentsh exec` in the session, under its policy
# (output and exit status come back, a denied read is denied and recorded, the command shows in
# the session's history with the real shell), and the traced shell does not route again.
set -u
fail=0
check() { # check NAME EXIT-STATUS-OF-CONDITION
	if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
SHIM="$(dirname "$AGENTSH")/agentsh-shell-shim"
[ -x "$(readlink -f /bin/dash)" ] || { echo "skip: the throwaway root is built from /bin/dash, absent here"; exit 77; }
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

R="$T/root"
mkdir -p "$R/bin" "$R/usr/bin"
cp "$(readlink -f /bin/dash)" "$R/bin/sh"
"$AGENTSH" shim install-shell --root "$R" --shim "$SHIM" >/dev/null 2>&1; check install $?

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HOME="$T/home" AGENTSH_DATA_DIR="$T/data" AGENTSH_NO_AUTO=1
export AGENTSH_SERVER="http://127.0.0.1:$PORT" AGENTSH_HTTP_ADDR="127.0.0.1:$PORT"
unset AGENTSH_SESSION_ID AGENTSH_CONFIG AGENTSH_API_KEY AGENTSH_IN_SESSION
mkdir -p "$HOME" "$T/data" "$T/policies" "$T/ws"
echo secret >"$T/secret"
cat >"$T/policies/sh.yaml" <<EOF
version: 1
name: sh
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
  default: "sh"
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
SID=$("$AGENTSH" session create --workspace "$T/ws" --policy sh |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ -n "$SID" ]; check session $?
export AGENTSH_SESSION_ID="$SID" AGENTSH_BIN="$AGENTSH" AGENTSH_SHIM_FORCE=1
# force=true in the root's config too: the nested shim below sees it even without our environment.
mkdir -p "$R/etc/agentsh"
printf 'force=true\nagentsh=%s\nsession=%s\nserver=%s\n' "$AGENTSH" "$SID" "$AGENTSH_SERVER" \
	>"$R/etc/agentsh/shim.conf"

out=$(cd "$T/ws" && "$R/bin/sh" -c "echo routed; $R/bin/sh -c 'echo nested'" </dev/null 2>&1)
rc=$?
[ $rc -eq 0 ] && [ "$out" = "$(printf 'routed\nnested')" ]; check routed_output $?
(cd "$T/ws" && "$R/bin/sh" -c 'exit 5' </dev/null >/dev/null 2>&1); [ $? -eq 5 ]; check routed_exit_status $?
out=$(cd "$T/ws" && "$R/bin/sh" -c "cat $T/secret" </dev/null 2>&1); rc=$?
[ $rc -ne 0 ] && ! echo "$out" | grep -qx secret; check routed_read_denied $?
curl -sf "$AGENTSH_SERVER/api/v1/sessions/$SID/history?type=ptrace_file&decision=deny" >"$T/h"
grep -qF "$T/secret" "$T/h"; check denied_read_in_session_history $?
curl -sf "$AGENTSH_SERVER/api/v1/sessions/$SID/history?type=ptrace_execve" >"$T/x"
grep -qF "$R/bin/sh.real" "$T/x" || grep -qF '"filename":"/usr/bin/dash"' "$T/x"
check real_shell_ran_in_session $?
[ "$(grep -o '"type":"command_started"' <(curl -sf "$AGENTSH_SERVER/api/v1/sessions/$SID/history") | wc -l)" -eq 3 ]
check one_command_per_shell_no_recursion $?
[ $fail -eq 0 ] || tail -n 20 "$T/server.log"
exit $fail
