#!/usr/bin/env bash
# Calls past libseccomp 2.5's tables. Those that change a file by path
# (setxattrat, removexattrat, file_setattr) or give it another name
# (open_tree_attr) are decided like their older kin (tests/escapes/
# esc_xattrat, esc_open_tree_attr); those that read or touch only the caller
# (statmount, mseal, getxattrat...) stay untraced; and a number past every
# call agentsh knows (>= 470, but x32's own 512-547) is a call whose effect
# is unknown: under a policy it fails with ENOSYS, an older kernel's answer,
# and is recorded (deny-unknown_syscall); without one it runs. The same in
# prefilter, ptrace and notify mode.
set -u
. "$(dirname "$0")/lib.sh"
prog=$PROGS/prog_tr_sysnr
[ -x "$prog" ] || fail "no $prog"
d=$(mktemp -d /tmp/agentsh-sysnr-XXXXXX)
trap 'rm -rf "$d"' EXIT
known="457 462 464 468"
unknown="470 511 548 1000 -1 0x400001d6"
x32own="512 547"
native=$("$prog" $known $unknown $x32own)
echo "$native" | grep -q "^470 ENOSYS" || skip "this kernel knows syscall 470: $(echo "$native" | grep ^470)"
echo "$native" | grep -q "^457 ENOSYS" && skip "kernel older than 6.8 (no statmount)"
cat >"$d/p.yaml" <<'EOP'
version: 1
name: sysnr
file_rules:
  - name: all
    paths: ["/**"]
    operations: ["*"]
    decision: allow
command_rules:
  - name: all
    commands: ["*"]
    decision: allow
EOP
modes="prefilter ptrace"
"$AGENTSH" wrap --mode notify -- true 2>/dev/null && modes="$modes notify"
for m in $modes; do
	out=$("$AGENTSH" wrap --mode "$m" --policy "$d/p.yaml" --events "$d/ev.$m" -- \
		"$prog" $known $unknown $x32own) || fail "$m: exit $?"
	[ "$out" = "$native" ] || fail "$m: $(diff <(echo "$native") <(echo "$out"))"
	n=$(grep -c '"rule":"deny-unknown_syscall"' "$d/ev.$m")
	[ "$n" = 6 ] || fail "$m: $n deny-unknown_syscall events, want 6 (one per number past 469)"
	grep -q '"message":"syscall 470 is newer' "$d/ev.$m" || fail "$m: the event does not name 470"
	for k in $known $x32own; do
		grep -q "\"flags\":$k," "$d/ev.$m" && fail "$m: syscall $k was recorded"
	done
	ok "$m: known new calls untraced, unknown numbers ENOSYS and recorded"
	out=$("$AGENTSH" wrap --mode "$m" --events "$d/np.$m" -- "$prog" $unknown) || fail "$m: exit $?"
	[ "$out" = "$(echo "$native" | grep -v -e '^457' -e '^462' -e '^464' -e '^468' -e '^512' -e '^547')" ] ||
		fail "$m without a policy: $out"
	grep -q '"decision":"deny"' "$d/np.$m" && fail "$m: a deny without a policy"
	ok "$m: without a policy the unknown numbers run (the kernel answers)"
done
pass
