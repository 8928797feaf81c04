# Shared helpers for integration tests: source it, then call ok/fail/skip/pass.
: "${AGENTSH:?AGENTSH must point at the agentsh binary}"
_checks=0
ok() { _checks=$((_checks + 1)); echo "ok $_checks - $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
skip() { echo "SKIP: $*"; exit 77; }
pass() { echo "PASS: $_checks checks"; exit 0; }
# wait_for CMD...: retries CMD for up to WAIT_SECONDS (default 10).
wait_for() {
	local deadline=$((SECONDS + ${WAIT_SECONDS:-10}))
	until "$@" 2>/dev/null; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.05
	done
}
