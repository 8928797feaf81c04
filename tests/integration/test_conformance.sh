#!/bin/bash
# Conformance: one scenario set (allow, deny, redirect, soft_delete, approve without an
# approver, denied command, denied connect) under every --mode this machine supports.
# Each mode must give the same exit status, output, file system result and the same
# audit events (type, operation, path, decision, effective decision, rule; order-free)
# as ptrace+prefilter. A mode the machine lacks is skipped with the reason printed.
# Env: AGENTSH. CONFORMANCE_MODES overrides the list.
set -u
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
: "${AGENTSH:?AGENTSH must point to the agentsh binary}"
command -v jq >/dev/null || skip "jq is not installed"
if ! "$AGENTSH" wrap --mode prefilter -- true 2>/dev/null; then
	skip "agentsh wrap does not accept --mode (cli/wrap.c must call wrap_mode_take and wrap_mode_tracer_new)"
fi
modes=${CONFORMANCE_MODES:-"ptrace notify landlock ebpf fuse full"}
work=$(mktemp -d /tmp/agentsh-conf-XXXXXX)
trap '[[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT

cat >"$work/dynamic.yaml" <<YAML
version: 1
name: conformance
file_rules:
  - name: deny-secret
    paths: ["\${PROJECT_ROOT}/secret/**"]
    operations: ["*"]
    decision: deny
  - name: redirect-config
    paths: ["\${PROJECT_ROOT}/ws/app.conf"]
    operations: [read, open]
    decision: redirect
    redirect_to: "\${PROJECT_ROOT}/shadow"
  - name: trash-deletes
    paths: ["\${PROJECT_ROOT}/ws/trashme/**"]
    operations: [delete]
    decision: soft_delete
  - name: ask-approval
    paths: ["\${PROJECT_ROOT}/ask/**"]
    operations: ["*"]
    decision: approve
  - name: allow-ws
    paths: ["\${PROJECT_ROOT}/**"]
    operations: ["*"]
    decision: allow
  - name: allow-dev
    paths: ["/dev/null", "/dev/tty", "/dev/ptmx", "/dev/pts/**"]
    operations: ["*"]
    decision: allow
network_rules:
  - name: deny-target
    cidrs: ["127.0.0.2/32"]
    decision: deny
  - name: allow-rest
    decision: allow
command_rules:
  - name: deny-forbidden
    commands: ["forbidden"]
    decision: deny
  - name: allow-rest
    commands: ["*"]
    decision: allow
YAML

# Only what a kernel layer can take (plain subtrees, port lists): Landlock is active.
cat >"$work/static.yaml" <<YAML
version: 1
name: conformance-static
file_rules:
  - name: deny-secret
    paths: ["\${PROJECT_ROOT}/secret/**"]
    operations: ["*"]
    decision: deny
  - name: allow-ws
    paths: ["\${PROJECT_ROOT}/**"]
    operations: ["*"]
    decision: allow
  - name: allow-dev
    paths: ["/dev/null", "/dev/tty", "/dev/ptmx", "/dev/pts/**"]
    operations: ["*"]
    decision: allow
network_rules:
  - name: deny-target
    cidrs: ["127.0.0.2/32"]
    decision: deny
  - name: allow-some-ports
    ports: [9, 443]
    decision: allow
command_rules:
  - name: deny-forbidden
    commands: ["forbidden"]
    decision: deny
  - name: allow-rest
    commands: ["*"]
    decision: allow
YAML

# The workload: every line of output is a result the modes must agree on.
cat >"$work/workload.sh" <<'SH'
r() { "$@" >/dev/null 2>&1; echo "$* -> $?"; }
r cat secret/key
r sh -c 'echo x > secret/new'
echo "redirected: $(cat ws/app.conf 2>&1)"
r rm ws/trashme/old.txt
r test -e ws/trashme/old.txt
r cat ask/file
r sh -c 'echo y > ws/made.txt'
r cat ws/made.txt
r sh -c 'echo z > /tmp/agentsh-conformance-outside'
r ./bin/forbidden
r mkdir ws/newdir
r mv ws/made.txt ws/newdir/moved.txt
r ls ws/newdir
r timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.2/9'
# Creating opens honour the caller's umask (notify creates the file itself).
old=$(umask)
for u in 077 000 027 022; do umask $u; : >ws/umask$u; done
umask "$old"
echo "modes:" $(cd ws && stat -c '%n=%a' umask077 umask000 umask027 umask022)
# A FIFO's blocking opens meet as natively (a backend's own open must not wake either end).
ok=0
for i in 1 2 3 4 5 6; do
	rm -f ws/ff && mkfifo ws/ff
	timeout 5 cat ws/ff >ws/ffout &
	sleep 0.05
	timeout 5 sh -c 'echo hello >ws/ff' && wait $! && [ "$(cat ws/ffout)" = hello ] && ok=$((ok + 1))
done
rm -f ws/ff ws/ffout
echo "fifo meetings: $ok/6"
# O_EXCL creates under a 1 ms timer signal: no spurious EEXIST after a restart.
/usr/bin/python3.11 -c '
import os, signal
signal.signal(signal.SIGALRM, lambda *a: None); signal.setitimer(signal.ITIMER_REAL, 0.001, 0.001)
bad = 0
for i in range(1500):
    try: os.close(os.open("ws/x%d" % i, os.O_CREAT | os.O_EXCL | os.O_WRONLY)); os.unlink("ws/x%d" % i)
    except FileExistsError: bad += 1
print("excl under signals: EEXIST", bad)'
# A session leader opening a terminal without O_NOCTTY gets it as its controlling terminal.
/usr/bin/python3.11 -c '
import os, pty
m, s = pty.openpty(); name = os.ttyname(s); os.close(s)
if os.fork() == 0:
    os.setsid(); fd = os.open(name, os.O_RDWR)
    try: print("ctty:", os.tcgetpgrp(fd) == os.getpid())
    except OSError as e: print("ctty: errno", e.errno)
    os._exit(0)
os.wait()'
SH

setup() {
	local root=$1
	rm -rf "$root"
	mkdir -p "$root/secret" "$root/ws/trashme" "$root/ask" "$root/shadow" "$root/bin"
	echo key >"$root/secret/key"
	echo real >"$root/ws/app.conf"
	echo shadowed >"$root/shadow/app.conf"
	echo old >"$root/ws/trashme/old.txt"
	echo ask >"$root/ask/file"
	cp "$(type -P true)" "$root/bin/forbidden"
}

norm_events() { # events file, root -> sorted normalized lines
	jq -r --arg root "$2" '[.type, (.operation // ""), ((.path // .filename // "") | sub($root; "ROOT")),
		(.policy.decision // ""), (.policy.effective_decision // ""), (.policy.rule // "")] | @tsv' \
		"$1" | grep -v '^ptrace_exec	' | sort
}

run_mode() { # mode -> out files in $work/$mode.*
	local m=$1 root=$work/root-$1 policy=$work/$variant.yaml
	setup "$root"
	rm -f "$work/$m.events"
	(cd "$root" && "$AGENTSH" wrap --mode "$m" --workspace "$root" --policy "$policy" \
		--events "$work/$m.events" -- bash "$work/workload.sh" >"$work/$m.out" 2>"$work/$m.err")
	echo "exit $?" >>"$work/$m.out"
	(cd "$root" && find . | sed -E 's#(agentsh_trash/)[0-9a-f-]+#\1T#' | sort) >"$work/$m.tree"
	norm_events "$work/$m.events" "$root" >"$work/$m.norm"
}

failed=0 ran=0
for variant in dynamic static; do
echo "=== policy $variant"
run_mode prefilter
grep -q 'secret/key -> 0' "$work/prefilter.out" && fail "baseline: the secret was readable"
grep -q 'modes: umask077=600 umask000=666 umask027=640 umask022=644' "$work/prefilter.out" ||
	fail "baseline: created files do not have the modes the umask gives"
grep -q 'fifo meetings: 6/6' "$work/prefilter.out" || fail "baseline: FIFO opens did not meet"
grep -q 'excl under signals: EEXIST 0' "$work/prefilter.out" || fail "baseline: spurious EEXIST"
grep -q 'ctty: True' "$work/prefilter.out" || fail "baseline: no controlling terminal"
[[ -s $work/prefilter.norm ]] || fail "baseline: no events"
for m in $modes; do
	support=$(timeout 20 "$AGENTSH" wrap --mode "$m" -- true 2>&1)
	if [[ $? -ne 0 ]]; then
		echo "mode $m: SKIP (${support#agentsh: error: })"
		continue
	fi
	run_mode "$m"
	ran=$((ran + 1))
	bad=""
	for k in out tree norm; do
		if ! diff -u "$work/prefilter.$k" "$work/$m.$k" >"$work/$m.$k.diff"; then
			bad+=" $k"
			sed 's/^/    /' "$work/$m.$k.diff" | head -30
		fi
	done
	if [[ -n $bad ]]; then
		echo "mode $m: FAIL (differs from prefilter in:$bad)"
		failed=1
	else
		echo "mode $m: PASS ($(wc -l <"$work/$m.norm") events identical, $(wc -l <"$work/$m.out") results identical)"
	fi
done
done
echo "--- baseline results (prefilter)"
sed 's/^/    /' "$work/prefilter.out"
[[ $failed == 0 ]] || fail "modes disagree"
[[ $ran -gt 0 ]] || skip "no mode besides prefilter runs here"
echo "PASS: $ran mode runs agree with ptrace+prefilter"
