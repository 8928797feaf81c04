#!/bin/bash
# `make demo` (demo/demo.sh) end to end: every step passes, the story lines are printed, and the
# demo cleans up after itself (server stopped, scratch directory removed). When a part of agentsh
# the demo needs is not in this build, the demo says MISSING and this test skips with that reason.
set -u
fail=0
check() { # check NAME EXIT-STATUS-OF-CONDITION
	if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

start=$SECONDS
TMPDIR="$T" timeout -k 5 120 bash "$AGENTSH_SRC/demo/demo.sh" "$AGENTSH" >"$T/out" 2>&1
rc=$?
echo "demo exit $rc after $((SECONDS - start))s"
if [ $rc -eq 3 ] && grep -q "^MISSING:" "$T/out" && ! grep -q "^FAIL" "$T/out"; then
	grep "^MISSING:" "$T/out"
	echo "skip: the demo needs parts of agentsh this build does not have yet"
	exit 77
fi
[ $rc -eq 0 ]; check demo_exit $rc
[ $rc -ne 124 ]; check demo_did_not_hang $?
# Step 3 follows dev-safe: a soft delete restored from the trash, or a delete held for approval.
# Step 4 connects to the metadata address inside a private network namespace, or else to a
# denied unix socket.
for line in "PASS uname -a ran" "PASS reading ~/.ssh was denied" \
	"PASS \(notes.txt was soft-deleted and restored with agentsh trash\|deleting notes.txt waited for approval; denied, the file is intact\)" \
	"PASS connect to \(169.254.169.254:80\|/run/docker.sock\) was denied" \
	"PASS report latest lists the denied operations"; do
	grep -q "^$line" "$T/out"; check "line: $line" $?
done
grep -q "^5 passed, 0 failed in [0-9]*s$" "$T/out"; check summary_line $?
grep -q "Linux" "$T/out"; check uname_output_shown $?
grep -q '### Denied operations ([1-9]' "$T/out" && grep -q "rule \`" "$T/out"; check report_shown $?
! grep -q "FAKE DEMO KEY" "$T/out"; check key_never_printed $?

# Cleanup: the server is gone and the scratch directory removed.
pid=$(sed -n 's/^ *server pid \([0-9]*\) is up$/\1/p' "$T/out")
[ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; check server_stopped $?
[ -z "$(ls -A "$T" | grep -v '^out$')" ]; check scratch_removed $?

[ $fail -eq 0 ] || cat "$T/out"
exit $fail
