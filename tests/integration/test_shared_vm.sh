#!/usr/bin/env bash
# Two processes sharing one address space (clone(CLONE_VM | SIGCHLD): the
# kernel reports a fork event, not a clone) open their own files at the same
# time, 3000 times each. Their checked paths are pinned in the one scratch
# region they share, so they must get different slots: each open must reach
# the file it named. (Before the fix, 820-1422 of 6000 opens reached the
# other process's file.) Then a clone(CLONE_VFORK | SIGCHLD) child, a copy
# of the memory that the kernel reports as a vfork event, must pin into its
# own copy.
set -u
. "$(dirname "$0")/lib.sh"
prog=$PROGS/prog_tr_clone_vm_open
[ -x "$prog" ] || fail "$prog is missing"
d=$(mktemp -d /tmp/agentsh-sharedvm-XXXXXX)
trap 'rm -rf "$d"' EXIT
echo a >"$d/a"
echo b >"$d/b"
echo c >"$d/c"
out=$("$prog" "$d") && [ "$out" = "mismatches 0" ] || fail "natively: $out"
ok "natively: $out"
for mode in "" --no-prefilter; do
	out=$("$AGENTSH" wrap $mode --events /dev/null -- "$prog" "$d") || fail "wrap $mode: exit $?"
	[ "$out" = "mismatches 0" ] || fail "wrap ${mode:-(prefilter)}: $out"
	ok "wrap ${mode:-(prefilter)}: every open reached the file it named"
done
pass
