#!/usr/bin/env bash
# The agentsh demo (`make demo`): a server on a free local port with a temporary data directory,
# a session on a temporary workspace under the dev-safe policy, four commands an agent might run:
#   1. uname -a (allowed)
#   2. cat ~/.ssh/id_ed25519 of a fake home (denied)
#   3. a script whose subprocess deletes a workspace file: soft-deleted and restored with
#      `agentsh trash` when dev-safe soft-deletes, or held for approval (the demo answers deny)
#      when dev-safe asks a human
#   4. a connect to the cloud metadata address, inside a private network namespace when this
#      machine allows one (else to a unix socket dev-safe denies), so nothing can leave the machine
# then `agentsh report latest`. Prints PASS/FAIL per step; a part of agentsh missing from the build
# is named (MISSING, exit 3) instead of waited for. Every step has a time limit; the server is
# stopped and the scratch directory removed on exit.
# Usage: bash demo/demo.sh [path/to/agentsh]
set -u
START=$SECONDS
AGENTSH=$(readlink -f "${1:-build/agentsh}")
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Run inside a private network namespace (user namespace, loopback only) when this machine allows
# one: then even a connect agentsh failed to deny could not leave the machine.
if [ -z "${AGENTSH_DEMO_NETNS+set}" ] && command -v unshare >/dev/null && command -v ip >/dev/null &&
	unshare -rn true 2>/dev/null; then
	export AGENTSH_DEMO_NETNS=1
	exec unshare -rn bash -c 'ip link set lo up && exec bash "$0" "$@"' "${BASH_SOURCE[0]}" "$AGENTSH"
fi
STEP_TIMEOUT=${AGENTSH_DEMO_STEP_TIMEOUT:-20}
T=$(mktemp -d "${TMPDIR:-/tmp}/agentsh-demo.XXXXXX")
SERVER_PID=
PASSED=0
FAILED=0
MISSING=()

if [ -t 1 ]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' Y=$'\e[33m' D=$'\e[2m' N=$'\e[0m'
else B= G= R= Y= D= N=; fi

cleanup() {
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$SERVER_PID" 2>/dev/null
	fi
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '%s\n' "$*"; }
step() { printf '\n%s▶ %s%s\n' "$B" "$*" "$N"; }
show() { sed "s/^/    /" "$@"; } # indent a command's output
pass() { printf '%sPASS%s %s\n' "$G" "$N" "$*"; PASSED=$((PASSED + 1)); }
fail() { printf '%sFAIL%s %s\n' "$R" "$N" "$*"; FAILED=$((FAILED + 1)); }
# A part of agentsh this demo needs is not in this build: say which and stop.
missing() {
	printf '%sMISSING:%s %s\n' "$Y" "$N" "$*"
	say "The demo needs every part of agentsh; this build lacks the one named above."
	exit 3
}
# A part one step needs is missing: note it, skip the step, go on.
skip_missing() {
	printf '%sSKIP%s %s\n' "$Y" "$N" "$*"
	MISSING+=("$1")
}
# run LABEL CMD...: runs with a time limit; output in $T/out, status in $RC.
# Returns 2 when the command is not implemented in this build (noted as missing).
run() {
	local label=$1
	shift
	timeout -k 2 "$STEP_TIMEOUT" "$@" >"$T/out" 2>&1
	RC=$?
	if [ $RC -eq 124 ] || [ $RC -eq 137 ]; then
		show "$T/out"
		fail "$label did not finish within ${STEP_TIMEOUT}s"
		return 1
	fi
	if grep -q "is not implemented in this build" "$T/out"; then
		skip_missing "$label" "(this build says: $(grep -o "'[a-z ]*' is not implemented" "$T/out" | head -1))"
		return 2
	fi
	return 0
}
# history_has TYPE DECISION TEXT: the session's history has a TYPE event with that effective
# decision mentioning TEXT.
history_has() {
	curl -sf -m 5 "$AGENTSH_SERVER/api/v1/sessions/$SID/history?type=$1&decision=$2" 2>/dev/null |
		grep -qF "$3"
}
denied_event() { history_has "$1" deny "$2"; }
json_field() { # json_field FIELD < JSON
	python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1], ""))' "$1" 2>/dev/null
}

# The header and the non-empty findings of a report: what a person wants to see first.
report_story() {
	awk '/^- \*\*(Session|Policy|Events)/ { print; next }
	     /^#+ / { keep = ($0 ~ /\([1-9][0-9]*\)$/); if (keep) print ""; }
	     keep && NF { print }' "$1"
	say ""
	say "(full report: agentsh report latest --level detailed)"
}

demo_delete_soft() {
	run "agentsh exec" "$AGENTSH" exec "$SID" -- sh ./cleanup.sh
	show "$T/out"
	if [ -e "$WS/notes.txt" ]; then
		fail "notes.txt was not deleted"
		return
	fi
	say "    notes.txt is gone from the workspace; the trash has it:"
	# In the workspace, with AGENTSH_SESSION_ID set: agentsh trash finds the session's trash.
	if run "agentsh trash" env -C "$WS" "$AGENTSH" trash list; then
		show "$T/out"
		TRASH_ID=$(grep -m1 "notes.txt" "$T/out" | awk '{print $1}')
		if [ -n "$TRASH_ID" ]; then
			say "    agentsh trash restore $TRASH_ID"
			run "agentsh trash restore" env -C "$WS" "$AGENTSH" trash restore "$TRASH_ID"
			show "$T/out"
		fi
	fi
	if [[ " ${MISSING[*]} " == *" agentsh trash "* ]]; then
		:
	elif grep -qx "meeting notes: ship the demo" "$WS/notes.txt" 2>/dev/null; then
		pass "notes.txt was soft-deleted and restored with agentsh trash"
	else
		fail "notes.txt was not restored from the trash"
	fi
}

# The delete waits for a human: the demo lists the pending approval and denies it.
demo_delete_approval() {
	local id= i
	timeout -k 2 "$STEP_TIMEOUT" "$AGENTSH" exec "$SID" -- sh ./cleanup.sh >"$T/exec3" 2>&1 &
	local exec_pid=$!
	for i in $(seq 1 50); do
		"$AGENTSH" approve list --json >"$T/approvals" 2>/dev/null
		id=$(python3 -c 'import json,sys
a = json.load(open(sys.argv[1]))
a = a.get("approvals", []) if isinstance(a, dict) else a
print(next((x["id"] for x in a if "notes.txt" in json.dumps(x)), ""))' "$T/approvals" 2>/dev/null)
		[ -n "$id" ] && break
		sleep 0.1
	done
	if [ -z "$id" ]; then
		wait $exec_pid
		show "$T/exec3"
		fail "no approval was requested for the delete"
		return
	fi
	say "    pending approval $id: $(python3 -c 'import json,sys
a = json.load(open(sys.argv[1])); a = a.get("approvals", []) if isinstance(a, dict) else a
x = next(x for x in a if x["id"] == sys.argv[2]); print(x.get("message") or x.get("rule"))' "$T/approvals" "$id" 2>/dev/null)"
	say "    the demo answers: agentsh approve resolve $id --deny --reason 'keep the notes'"
	"$AGENTSH" approve resolve "$id" --deny --reason "keep the notes" >/dev/null 2>&1
	wait $exec_pid
	show "$T/exec3"
	if grep -qx "meeting notes: ship the demo" "$WS/notes.txt" 2>/dev/null &&
		history_has ptrace_file approve "$WS/notes.txt"; then
		pass "deleting notes.txt waited for approval; denied, the file is intact"
	else
		fail "the delete of notes.txt was not held and denied"
	fi
}

# ---- prerequisites ------------------------------------------------------------------------------
[ -x "$AGENTSH" ] || missing "the agentsh binary at ${1:-build/agentsh} (run make)"
for tool in curl python3 timeout; do
	command -v $tool >/dev/null || missing "$tool (run make deps)"
done
POLICY_DIR="${AGENTSH_DEMO_POLICY_DIR:-$SRC/policies}"
[ -f "$POLICY_DIR/dev-safe.yaml" ] || missing "the dev-safe policy ($POLICY_DIR/dev-safe.yaml)"

say "${B}agentsh demo${N} ${D}($("$AGENTSH" version 2>/dev/null), scratch dir $T)${N}"

# A fake home with a fake key: the demo never reads the real ~/.ssh.
HOME_DIR="$T/home"
mkdir -p "$HOME_DIR/.ssh" "$T/workspace" "$T/data"
echo "-----BEGIN FAKE DEMO KEY-----" >"$HOME_DIR/.ssh/id_ed25519"
chmod 600 "$HOME_DIR/.ssh/id_ed25519"
WS="$T/workspace"
echo "meeting notes: ship the demo" >"$WS/notes.txt"
cat >"$WS/cleanup.sh" <<'EOF'
#!/bin/sh
# An agent's "cleanup" whose subprocess deletes a file it should not.
sh -c 'rm -f notes.txt'
echo "cleanup done"
EOF
chmod +x "$WS/cleanup.sh"

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export HOME="$HOME_DIR" AGENTSH_DATA_DIR="$T/data" AGENTSH_NO_AUTO=1
export AGENTSH_SERVER="http://127.0.0.1:$PORT" AGENTSH_HTTP_ADDR="127.0.0.1:$PORT"
unset AGENTSH_SESSION_ID AGENTSH_CONFIG AGENTSH_API_KEY
cat >"$T/config.yaml" <<EOF
server:
  http:
    addr: "127.0.0.1:$PORT"
policies:
  dir: "$POLICY_DIR"
  default: "dev-safe"
sessions:
  base_dir: "$T/sessions"
audit:
  output: "$T/audit.jsonl"
EOF

# ---- server -------------------------------------------------------------------------------------
step "Start a server on 127.0.0.1:$PORT (data in a temporary directory)"
"$AGENTSH" server --config "$T/config.yaml" >"$T/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
	curl -sf -m 1 "$AGENTSH_SERVER/health" >/dev/null 2>&1 && break
	kill -0 "$SERVER_PID" 2>/dev/null || break
	sleep 0.1
done
if ! curl -sf -m 1 "$AGENTSH_SERVER/health" >/dev/null 2>&1; then
	show "$T/server.log"
	grep -q "not implemented" "$T/server.log" && missing "agentsh server"
	fail "the server did not come up"
	exit 1
fi
say "    server pid $SERVER_PID is up"

step "Create a session on a temporary workspace with the dev-safe policy"
run "agentsh session create" "$AGENTSH" session create --workspace "$WS" --policy dev-safe ||
	[ $? -ne 2 ] || missing "agentsh session create"
SID=$(json_field id <"$T/out")
if [ $RC -ne 0 ] || [ -z "$SID" ]; then
	show "$T/out"
	fail "could not create a session"
	exit 1
fi
export AGENTSH_SESSION_ID="$SID"
say "    session $SID, workspace $WS"

# ---- 1. an ordinary command ---------------------------------------------------------------------
step "1. uname -a (allowed)"
run "agentsh exec" "$AGENTSH" exec "$SID" -- uname -a || [ $? -ne 2 ] || missing "agentsh exec"
show "$T/out"
if [ $RC -eq 0 ] && grep -q "$(uname -s)" "$T/out"; then pass "uname -a ran"
else fail "uname -a (exit $RC)"; fi

# ---- 2. reading credentials ---------------------------------------------------------------------
step "2. cat ~/.ssh/id_ed25519 (the policy protects ~/.ssh)"
run "agentsh exec" "$AGENTSH" exec "$SID" -- cat "$HOME_DIR/.ssh/id_ed25519"
show "$T/out"
if [ $RC -ne 0 ] && ! grep -q "FAKE DEMO KEY" "$T/out" && denied_event ptrace_file "/.ssh/id_ed25519"; then
	pass "reading ~/.ssh was denied (exit $RC)"
else fail "reading ~/.ssh was not denied (exit $RC)"; fi

# ---- 3. a subprocess deletes a workspace file ----------------------------------------------------
# dev-safe decides a workspace delete: soft_delete (the file goes to the trash) or approve (a
# human is asked; the demo plays the human).
DELETE_DECISION=$(PROJECT_ROOT="$WS" "$AGENTSH" policy test "$POLICY_DIR/dev-safe.yaml" \
	--file "$WS/notes.txt" --op delete 2>/dev/null | sed -n 's/^decision: //p')
if [ "$DELETE_DECISION" = approve ]; then
	step "3. ./cleanup.sh, whose subprocess runs rm notes.txt (dev-safe asks a human first)"
	demo_delete_approval
else
	step "3. ./cleanup.sh, whose subprocess runs rm notes.txt (soft-deleted, restorable)"
	demo_delete_soft
fi

# ---- 4. a connection the policy denies ----------------------------------------------------------
if [ "${AGENTSH_DEMO_NETNS:-0}" = 1 ] &&
	"$AGENTSH" policy test "$POLICY_DIR/dev-safe.yaml" --connect 169.254.169.254:80 2>/dev/null |
	grep -qx "decision: deny"; then
	step "4. curl http://169.254.169.254/ (the cloud metadata address; private network namespace)"
	run "agentsh exec" "$AGENTSH" exec "$SID" -- curl -sS -m 5 http://169.254.169.254/
	show "$T/out"
	if [ $RC -ne 0 ] && denied_event ptrace_network 169.254.169.254; then
		pass "connect to 169.254.169.254:80 was denied (exit $RC)"
	else
		fail "connect to 169.254.169.254:80 was not denied (exit $RC)"
	fi
else
	# No private network namespace here: connect to a unix socket dev-safe denies instead, so no
	# packet could leave this machine whatever happens.
	step "4. curl --unix-socket /run/docker.sock http://localhost/ (container runtimes are denied)"
	run "agentsh exec" "$AGENTSH" exec "$SID" -- curl -sS -m 5 --unix-socket /run/docker.sock http://localhost/
	show "$T/out"
	if [ $RC -ne 0 ] && denied_event ptrace_unix docker.sock; then
		pass "connect to /run/docker.sock was denied (exit $RC)"
	else
		fail "connect to /run/docker.sock was not denied (exit $RC)"
	fi
fi

# ---- the report ---------------------------------------------------------------------------------
step "agentsh report latest"
if ! run "agentsh report" "$AGENTSH" report latest --level summary --output "$T/report.md"; then
	:
elif [ $RC -eq 0 ] && [ -s "$T/report.md" ]; then
	# The parts of the report that tell the story; the whole file is printed with AGENTSH_DEMO_FULL=1.
	if [ "${AGENTSH_DEMO_FULL:-0}" = 1 ]; then show "$T/report.md"
	else report_story "$T/report.md" | show; fi
	if grep -q "### Denied operations ([1-9]" "$T/report.md"; then pass "report latest lists the denied operations"
	else fail "the report lists no denied operation"; fi
else
	show "$T/out"
	fail "agentsh report latest (exit $RC)"
fi

# ---- done ---------------------------------------------------------------------------------------
ELAPSED=$((SECONDS - START))
printf '\n%s%d passed, %d failed%s in %ds\n' "$B" "$PASSED" "$FAILED" "$N" "$ELAPSED"
[ "$FAILED" -eq 0 ] || { say "server log:"; tail -n 20 "$T/server.log" | show; }
if [ ${#MISSING[@]} -gt 0 ]; then
	printf '%sMISSING:%s %s (not implemented in this build; those steps were skipped)\n' "$Y" "$N" \
		"$(printf '%s, ' "${MISSING[@]}" | sed 's/, $//')"
	[ "$FAILED" -eq 0 ] && exit 3
fi
[ "$FAILED" -eq 0 ]
