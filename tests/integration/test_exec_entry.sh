#!/usr/bin/env bash
# A traced program starts in exactly the state the kernel gives it: the
# exec-time mapping of the scratch region (a stub run on the way to the
# entry point, tracer/scratch.c) leaves every register and flag as it was.
# Also when that mapping fails (address space limited by ulimit -v), and
# through the older injection path (AGENTSH_TEST_NO_EXEC_STUB).
set -u
. "$(dirname "$0")/lib.sh"
prog=$PROGS/prog_entry_regs
[ "$(uname -m)" = x86_64 ] || skip "the entry-state program is x86_64 only"
[ -x "$prog" ] || fail "$prog is missing"
"$prog" || fail "natively, prog_entry_regs exits $? (1 register, 2 flags, 3 stack)"
ok "native start state"
for mode in "" --no-prefilter; do
	m=${mode:-prefilter}
	"$AGENTSH" wrap $mode --events /dev/null -- "$prog" || fail "under wrap ($m): exit $?"
	ok "under wrap ($m): same start state"
	AGENTSH_TEST_NO_EXEC_STUB=1 "$AGENTSH" wrap $mode --events /dev/null -- "$prog" ||
		fail "injection path ($m): exit $?"
	ok "injection path ($m): same start state"
	# The region is 96 MiB of address space: under a limit it does not fit
	# in, the stub stops at its int3 and runs again for a 3 MiB region;
	# under one that does not fit either, the tracer starts the program
	# itself, without the region. (The limits are the program's only:
	# agentsh may be an ASan build.)
	err=$("$AGENTSH" wrap $mode --events /dev/null -- /bin/sh -c 'ulimit -v 60000 && exec "$0"' "$prog" 2>&1) ||
		fail "small region ($m): exit $? ($err)"
	[ -z "$err" ] || fail "small region ($m): $err"
	ok "under ulimit -v 60000 ($m): the small region, same start state"
	out=$("$AGENTSH" wrap $mode --events /dev/null --policy "$AGENTSH_SRC/policies/default.yaml" -- \
		/bin/sh -c 'ulimit -v 60000 && cat /etc/hostname' 2>&1) || fail "cat under ulimit -v ($m): $out"
	[ "$out" = "$(cat /etc/hostname)" ] || fail "cat under ulimit -v ($m): $out"
	ok "under ulimit -v 60000 and a policy ($m): a dynamic program runs, its opens pinned"
	out=$(AGENTSH_TEST_NO_EXEC_STUB=1 "$AGENTSH" wrap $mode --events /dev/null \
		--policy "$AGENTSH_SRC/policies/default.yaml" -- /bin/sh -c 'ulimit -v 60000 && cat /etc/hostname' 2>&1)
	[ "$out" = "$(cat /etc/hostname)" ] || fail "cat under ulimit -v, injection path ($m): $out"
	ok "the same through the injection path ($m)"
	err=$("$AGENTSH" wrap $mode --events /dev/null -- /bin/sh -c 'ulimit -v 1000 && exec "$0"' "$prog" 2>&1) ||
		fail "mapping failed ($m): exit $? ($err)"
	case $err in *"cannot map the scratch region"*) ;; *) fail "no warning when the mapping failed ($m): $err" ;; esac
	ok "mapping failed ($m): the program still starts as the kernel left it, with a warning"
done
# The stub really is what maps the region: one stop fewer than injection.
stops() { AGENTSH_LOG_LEVEL=info "$@" 2>&1 >/dev/null | sed -n 's/.*tracer: \([0-9]*\) stops.*/\1/p'; }
a=$(stops "$AGENTSH" wrap --events /dev/null -- "$prog")
b=$(stops env AGENTSH_TEST_NO_EXEC_STUB=1 "$AGENTSH" wrap --events /dev/null -- "$prog")
[ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ] || fail "stops with the exec stub: '$a', with injection: '$b'"
ok "the exec stub saves a stop ($a against $b)"
# A dynamic program through its interpreter, many times over.
out=$("$AGENTSH" wrap --events /dev/null -- /bin/sh -c 'i=0; while [ $i -lt 50 ]; do /bin/echo -n .; i=$((i+1)); done')
[ ${#out} -eq 50 ] || fail "50 dynamic execs printed ${#out} dots"
ok "50 dynamic execs"
pass
