#!/bin/bash
# FUSE workspace layer (enforce/fuse_*.c): under `wrap --mode fuse` the command sees its
# workspace through a FUSE mount in its own mount namespace; normal work gives the same
# results as natively; the tracer's denies and soft deletes still hold; and the layer alone
# enforces what bypasses the tracer: a process that enters the command's mount namespace
# from outside (untraced) is refused, trashed and redirected by the layer, each with an
# event ("source":"fuse"); fchmod, once a bypass, is decided by the tracer too. audit.mode soft_block and full mode with
# sandbox.fuse.enabled are checked through --config.
set -u
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; failed=1; }
: "${AGENTSH:?AGENTSH must point to the agentsh binary}"
: "${PROGS:?PROGS must point to the integration helper programs}"
command -v jq >/dev/null || skip "jq is not installed"
command -v nsenter >/dev/null || skip "nsenter is not installed"
[[ -e /dev/fuse ]] || skip "no /dev/fuse"
why=$(timeout 20 "$AGENTSH" wrap --mode fuse -- true 2>&1) || skip "--mode fuse: ${why#agentsh: error: }"
work=$(mktemp -d /tmp/agentsh-fuse-XXXXXX)
trap 'touch "$work/go"; sleep 0.2; [[ -n ${KEEP:-} ]] || rm -rf "$work"' EXIT
failed=0
W=$work/ws
ok() { echo "ok   $*"; }
check() { # name, condition...
	local name=$1
	shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}

cat >"$work/p.yaml" <<'YAML'
version: 1
name: fuse-test
file_rules:
  - name: deny-secret
    paths: ["${PROJECT_ROOT}/secret/**"]
    operations: ["*"]
    decision: deny
  - name: deny-chmod-locked
    paths: ["${PROJECT_ROOT}/locked/**"]
    operations: [chmod]
    decision: deny
  - name: redirect-config
    paths: ["${PROJECT_ROOT}/app.conf"]
    operations: [read, open]
    decision: redirect
    redirect_to: "${PROJECT_ROOT}/shadow"
  - name: trash-deletes
    paths: ["${PROJECT_ROOT}/trashme/**"]
    operations: [delete]
    decision: soft_delete
  - name: allow-rest
    paths: ["/**"]
    operations: ["*"]
    decision: allow
command_rules:
  - name: all
    commands: ["*"]
    decision: allow
YAML

setup() {
	rm -rf "$1"
	mkdir -p "$1"/secret "$1"/trashme "$1"/shadow "$1"/locked
	echo key >"$1/secret/key"
	echo old >"$1/trashme/old.txt"
	echo old2 >"$1/trashme/old2.txt"
	echo real >"$1/app.conf"
	echo shadowed >"$1/shadow/app.conf"
	echo lock >"$1/locked/f"
	chmod 644 "$1/locked/f"
	ln -s /etc "$1/etc-link"
}

# Ordinary work: every line is a result that must equal the native run.
cat >"$work/work.sh" <<'SH'
set -u
r() { "$@" >/dev/null 2>&1; echo "$* -> $?"; }
echo hello >a.txt; cat a.txt
printf 'x%.0s' $(seq 1 5000) >big.txt; wc -c <big.txt
mkdir -p d/e; mv a.txt d/e/b.txt; cat d/e/b.txt
ln d/e/b.txt hard.txt; echo more >>hard.txt; cat d/e/b.txt
ln -s d/e/b.txt sym.txt; readlink sym.txt; cat sym.txt
readlink etc-link
chmod 600 d/e/b.txt; stat -c %a d/e/b.txt
truncate -s 2 big.txt; wc -c <big.txt
touch -d 2020-01-01 big.txt; stat -c %Y big.txt
ls d/e; ls -a d
r rm -r d/e
r rmdir d
r test -e d
exec 3>keep.txt; echo kept >&3; rm keep.txt; r test -e keep.txt; exec 3>&-
python3 -c 'import tempfile; f=tempfile.TemporaryFile(dir="."); f.write(b"t"); f.seek(0); print(f.read())' 2>/dev/null || echo 'no python3'
git init -q repo && cd repo && git config user.email t@t && git config user.name t &&
	echo v1 >f && git add f && git commit -qm one && echo v2 >f && git commit -qam two &&
	git log --format=%s | tr '\n' ' ' && echo && git status --porcelain | wc -l && cd ..
SH

# 1. the mount and ordinary work, compared with the same script run natively
setup "$W"
native=$work/native
setup "$native"
(cd "$native" && bash "$work/work.sh" >"$work/native.out" 2>&1)
(cd "$W" && timeout 120 "$AGENTSH" wrap --mode fuse --workspace "$W" --policy "$work/p.yaml" \
	--events "$work/ev1.jsonl" -- bash -c 'grep " fuse.agentsh " /proc/self/mountinfo >"$1/mi"; bash "$1/work.sh"' _ "$work" \
	>"$work/fuse.out" 2>&1)
check "the command sees a fuse.agentsh mount at the workspace" \
	grep -q " $W .* fuse.agentsh agentsh " "$work/mi"
check "the mount is not visible outside the command's namespace" \
	bash -c "! grep -q ' fuse.agentsh ' /proc/self/mountinfo"
if diff -u "$work/native.out" "$work/fuse.out" >"$work/work.diff"; then
	ok "ordinary work gives the native results ($(wc -l <"$work/fuse.out") lines)"
else
	fail "ordinary work differs from native"
	sed 's/^/    /' "$work/work.diff"
fi
tree() { (cd "$1" && find . -path ./.agentsh_trash -prune -o -path ./repo/.git -prune -o -printf '%y %p %s\n' | sort); }
check "the resulting file tree is the native one" diff <(tree "$native") <(tree "$W")
check "no event from the layer in ordinary work" bash -c "! grep -q '\"source\":\"fuse\"' '$work/ev1.jsonl'"

# 2. the tracer's decisions still hold through the mount
setup "$W"
(cd "$W" && timeout 60 "$AGENTSH" wrap --mode fuse --workspace "$W" --policy "$work/p.yaml" \
	--events "$work/ev2.jsonl" -- bash -c 'cat secret/key; echo "cat=$?"; rm trashme/old.txt; echo "rm=$?"; cat app.conf' \
	>"$work/t2.out" 2>/dev/null)
check "a denied workspace file is denied" grep -q '^cat=1$' "$work/t2.out"
check "soft_delete reports success" grep -q '^rm=0$' "$work/t2.out"
check "soft_delete moved the file into the trash" \
	bash -c "[ ! -e '$W/trashme/old.txt' ] && grep -lq trashme/old.txt '$W'/.agentsh_trash/*.json"
check "the redirect is the tracer's" grep -q '^shadowed$' "$work/t2.out"

# 3. the layer alone: a process that enters the namespace is not traced (fchmod is
# decided by the tracer now, on the fd's file: refused without the layer too)
setup "$W"
(cd "$W" && timeout 60 "$AGENTSH" wrap --mode prefilter --workspace "$W" --policy "$work/p.yaml" \
	--events "$work/ev3a.jsonl" -- "$PROGS/prog_fuse_fchmod" locked/f >"$work/t3a.out" 2>&1)
check "without the layer, fchmod is refused by the tracer" grep -q 'fchmod: EACCES' "$work/t3a.out"
check "with a ptrace_file event" grep -q '"rule":"deny-chmod-locked"' "$work/ev3a.jsonl"
setup "$W"
rm -f "$work/go"
(cd "$W" && timeout 60 "$AGENTSH" wrap --mode fuse --workspace "$W" --policy "$work/p.yaml" \
	--events "$work/ev3.jsonl" -- bash -c '"$1/prog_fuse_fchmod" locked/f >"$2/fchmod.out"; echo $$ >"$2/pid"
		while [ ! -e "$2/go" ]; do sleep 0.05; done' _ "$PROGS" "$work" 2>/dev/null) &
for _ in $(seq 100); do [[ -s $work/pid ]] && break; sleep 0.1; done
[[ -s $work/pid ]] || { fail "the command did not start"; exit 1; }
check "fchmod of a chmod-denied file is refused by the layer" grep -q 'fchmod: EACCES' "$work/fchmod.out"
check "and the mode is unchanged" test "$(stat -c %a "$W/locked/f")" = 644
pid=$(cat "$work/pid")
nsenter -t "$pid" -m -- bash -c "cd '$W' && { cat secret/key; echo \"cat=\$?\"; echo y >secret/new; echo \"write=\$?\";
	rm trashme/old2.txt; echo \"rm=\$?\"; cat app.conf; chmod 600 locked/f; echo \"chmod=\$?\"; echo n >new.txt; echo \"new=\$?\"; }" \
	>"$work/t3.out" 2>/dev/null
touch "$work/go"
wait
ev() { jq -r 'select(.source == "fuse") | [.operation, (.path | sub("'"$W"'"; "W")), .policy.effective_decision, .policy.rule] | @tsv' "$work/ev3.jsonl"; }
check "untraced read of a denied file: refused" grep -q '^cat=1$' "$work/t3.out"
check "untraced write of a denied file: refused" grep -q '^write=[12]$' "$work/t3.out"
check "untraced delete: soft-deleted (success, file in the trash)" \
	bash -c "grep -q '^rm=0$' '$work/t3.out' && [ ! -e '$W/trashme/old2.txt' ] && grep -lq trashme/old2.txt '$W'/.agentsh_trash/*.json"
check "untraced open of a redirected file: the target's content" grep -q '^shadowed$' "$work/t3.out"
check "untraced chmod of a chmod-denied file: refused" grep -q '^chmod=1$' "$work/t3.out"
check "untraced allowed write: allowed" bash -c "grep -q '^new=0$' '$work/t3.out' && [ -e '$W/new.txt' ]"
ev >"$work/ev3.tsv"
for want in "chmod	W/locked/f	deny	deny-chmod-locked" "open	W/secret/key	deny	deny-secret" \
	"write	W/secret/new	deny	deny-secret" "delete	W/trashme/old2.txt	soft_delete	trash-deletes" \
	"open	W/app.conf	redirect	redirect-config"; do
	check "event from the layer: ${want//	/ }" grep -qxF "$want" "$work/ev3.tsv"
done
check "no layer event for the allowed write" bash -c "! grep -q 'new.txt' '$work/ev3.tsv'"

# 4. config: audit.mode soft_block refuses an allowed delete; full includes fuse when enabled
setup "$W"
printf 'sandbox:\n  fuse:\n    enabled: true\n    audit:\n      mode: soft_block\n' >"$work/c.yaml"
(cd "$W" && timeout 60 "$AGENTSH" wrap --mode full --config "$work/c.yaml" --workspace "$W" \
	--policy "$work/p.yaml" --events "$work/ev4.jsonl" -- bash -c 'grep -c " fuse.agentsh " /proc/self/mountinfo; rm new.txt 2>/dev/null; echo n >new.txt; rm new.txt; echo "rm=$?"' \
	>"$work/t4.out" 2>/dev/null)
check "full with sandbox.fuse.enabled mounts the workspace" grep -qx 1 "$work/t4.out"
check "soft_block refuses a delete the policy allows" grep -q '^rm=1$' "$work/t4.out"
check "with an event naming the audit mode" \
	bash -c "jq -r 'select(.source == \"fuse\") | .policy.rule' '$work/ev4.jsonl' | grep -qx fuse-audit-soft-block"
(cd "$W" && timeout 60 "$AGENTSH" wrap --mode full --workspace "$W" --policy "$work/p.yaml" \
	-- bash -c 'grep -c " fuse.agentsh " /proc/self/mountinfo' >"$work/t5.out" 2>/dev/null)
check "full without sandbox.fuse.enabled leaves fuse out" grep -qx 0 "$work/t5.out"
sleep 30 &
spid=$!
out=$(timeout 20 "$AGENTSH" attach --mode fuse --pid "$spid" --policy "$work/p.yaml" 2>&1)
rc=$?
kill "$spid" 2>/dev/null
if [[ $rc == 125 && $out == *attach* ]]; then ok "attach refuses --mode fuse with the reason"
else fail "attach refuses --mode fuse with the reason (rc=$rc: $out)"; fi

[[ $failed == 0 ]] || { echo "FAIL"; exit 1; }
echo "PASS"
