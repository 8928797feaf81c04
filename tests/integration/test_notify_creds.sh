#!/bin/bash
# seccomp-notify opens files in the tracer and hands the fd over, so it must
# open them with the caller's rights. A process that dropped root (setpriv,
# setresuid), kept a supplementary group, lost CAP_DAC_OVERRIDE or changed
# credentials in one thread must get exactly the native result in every mode,
# and files it creates must be its own. A caller in another user namespace
# cannot be emulated: its opens are denied with a notify-foreign-credentials
# event (fail closed), never made with our rights.
# Env: AGENTSH. Needs root (setpriv to another uid).
set -u
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
: "${AGENTSH:?AGENTSH must point to the agentsh binary}"
[[ $(id -u) == 0 ]] || skip "needs root to switch to another uid"
command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
py=/usr/bin/python3.11
[[ -x $py ]] || py=$(command -v python3) || skip "no python3"
work=$(mktemp -d /tmp/agentsh-ncreds-XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
echo group-secret >"$work/grp" && chgrp 4 "$work/grp" && chmod 640 "$work/grp"
echo owner-secret >"$work/other" && chown 1234 "$work/other" && chmod 600 "$work/other"
echo root-secret >"$work/root" && chmod 600 "$work/root"
mkdir -m 1777 "$work/pub"
cp "$(type -P cat)" "$work/nobodycat" && chown 65534 "$work/nobodycat" && chmod 4755 "$work/nobodycat"

cat >"$work/cases.sh" <<SH
r() { "\$@" >/dev/null 2>&1; echo "\$* -> \$?"; }
w=$work py=$py
SH
cat >>"$work/cases.sh" <<'SH'
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
r nobody cat $w/root
r nobody cat $w/grp
r setpriv --reuid=65534 --regid=65534 --groups=4 cat $w/grp
r cat $w/other
r $w/nobodycat $w/root
r setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search cat $w/other
r setpriv --inh-caps=-all --bounding-set=-dac_override,-dac_read_search cat $w/grp
r $py -c 'import os,sys; open(sys.argv[1]).read(); os.setresuid(65534,65534,65534); open(sys.argv[1])' $w/root
r $py -c 'import os,sys; os.setresuid(65534,65534,0); os.setresuid(0,0,0); open(sys.argv[1])' $w/other
r $py -c 'import os,sys,threading; t=threading.Thread(target=lambda: os.setresuid(65534,65534,65534)); t.start(); t.join(); open(sys.argv[1])' $w/root
r nobody sh -c "echo x > $w/pub/made"
echo "owner: $(stat -c %u:%g $w/pub/made)"
r nobody sh -c "echo x > $w/root"
echo "root file: $(cat $w/root)"
SH

bash "$work/cases.sh" >"$work/native.out" 2>&1
rm -f "$work/pub/made"
grep -q 'nobody cat .*/root -> 1' "$work/native.out" || fail "native: nobody could read a root-only file"
grep -q 'owner: 65534:65534' "$work/native.out" || fail "native: unexpected owner"

failed=0 ran=0
for m in prefilter notify full; do
	why=$(timeout 20 "$AGENTSH" wrap --mode "$m" -- true 2>&1) ||
		{ echo "mode $m: SKIP (${why#agentsh: error: })"; continue; }
	"$AGENTSH" wrap --mode "$m" -- bash "$work/cases.sh" >"$work/$m.out" 2>&1
	rm -f "$work/pub/made"
	ran=$((ran + 1))
	if diff -u "$work/native.out" "$work/$m.out" >"$work/$m.diff"; then
		echo "mode $m: PASS ($(wc -l <"$work/$m.out") results as native)"
	else
		echo "mode $m: FAIL"
		sed 's/^/    /' "$work/$m.diff"
		failed=1
	fi
done
[[ $ran -gt 0 ]] || skip "no mode runs here"

# Another user namespace: denied and said so, in the modes that open for the caller.
if "$AGENTSH" wrap --mode notify -- true 2>/dev/null && unshare -U true 2>/dev/null; then
	"$AGENTSH" wrap --mode notify --events "$work/ns.events" -- \
		unshare -U "$py" -c 'open("/etc/hostname")' >/dev/null 2>&1
	rc=$?
	[[ $rc != 0 ]] || { echo "userns: FAIL (an open in another user namespace was made for it)"; failed=1; }
	grep -q '"rule":"notify-foreign-credentials"' "$work/ns.events" ||
		{ echo "userns: FAIL (no notify-foreign-credentials deny event)"; failed=1; }
	[[ $failed == 1 ]] || echo "userns: PASS (rc=$rc, deny event recorded)"
else
	echo "userns: SKIP (notify mode or unprivileged user namespaces unavailable)"
fi
# The tracer opens files for the caller, never as its own controlling
# terminal: agentsh leading a session of its own (setsid) must not take the
# pty a caller opens with O_NOCTTY.
if "$AGENTSH" wrap --mode notify -- true 2>/dev/null; then
	out=$(setsid -w "$AGENTSH" wrap --mode notify -- "$py" -c '
import os, pty
m, s = pty.openpty(); name = os.ttyname(s); os.close(s)
os.open(name, os.O_RDWR | os.O_NOCTTY)
print(open("/proc/%d/stat" % os.getppid()).read().rsplit(")", 1)[1].split()[4])' 2>&1)
	if [[ $out == 0 ]]; then
		echo "ctty: PASS (agentsh has no controlling terminal)"
	else
		echo "ctty: FAIL (agentsh's tty_nr after the open: $out)"
		failed=1
	fi
fi
[[ $failed == 0 ]] || fail "results differ from native"
echo "PASS"
