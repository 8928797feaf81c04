#!/bin/bash
# eBPF cgroup backend: the session cgroup carries connect4/6 + sendmsg4/6 programs that
# decide CIDR/port rules in the kernel. A process that is in the session cgroup but NOT
# traced (it joins from outside) is still refused by the kernel, with an audit event
# (source "ebpf", same fields as the tracer's); an allowed connect is not refused; the
# cgroup is gone when wrap ends.
set -u
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
: "${AGENTSH:?AGENTSH must point to the agentsh binary}"
command -v jq >/dev/null || skip "jq is not installed"
why=$(timeout 20 "$AGENTSH" wrap --mode ebpf -- true 2>&1) || skip "--mode ebpf: ${why#agentsh: error: }"
mnt=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)
[[ -n $mnt ]] || skip "no cgroup2 mount"
work=$(mktemp -d /tmp/agentsh-ebpf-XXXXXX)
trap 'touch "$work/go"; rm -rf "$work"' EXIT

cat >"$work/p.yaml" <<'YAML'
version: 1
name: ebpf-test
file_rules:
  - name: all
    paths: ["/**"]
    operations: ["*"]
    decision: allow
network_rules:
  - name: deny-target
    cidrs: ["127.0.0.2/32"]
    decision: deny
  - name: allow-rest
    decision: allow
command_rules:
  - name: all
    commands: ["*"]
    decision: allow
YAML

# Both program sets: with bpf_loop (Linux 5.17+, what this kernel loads) and
# the unrolled one older kernels get (AGENTSH_TEST_EBPF_UNROLLED).
for unrolled in "" 1; do
	rm -f "$work/go" "$work/cg" "$work/ev.jsonl"
	export AGENTSH_TEST_EBPF_UNROLLED=$unrolled
	"$AGENTSH" wrap --mode ebpf --policy "$work/p.yaml" --events "$work/ev.jsonl" -- \
		bash -c 'grep "^0::" /proc/self/cgroup >"$1/cg"; while [ ! -e "$1/go" ]; do sleep 0.05; done' \
		_ "$work" &
	wrap=$!
	for _ in $(seq 100); do [[ -s $work/cg ]] && break; sleep 0.1; done
	[[ -s $work/cg ]] || fail "the traced command did not start"
	cg=$mnt$(cut -d: -f3- "$work/cg")
	[[ $cg == */agentsh-* && -d $cg ]] || fail "the command is not in a session cgroup ($cg)"
	bpftool cgroup show "$cg" 2>/dev/null | grep -q connect4 ||
		fail "no connect4 program on $cg: $(bpftool cgroup show "$cg" 2>&1)"

	# Untraced, inside the session cgroup: only the kernel can refuse.
	bash -c 'echo $BASHPID >"$1/cgroup.procs" && exec 3<>/dev/tcp/127.0.0.2/9' _ "$cg" 2>"$work/denied.err"
	grep -q "Operation not permitted" "$work/denied.err" ||
		fail "denied connect was not refused by the kernel: $(cat "$work/denied.err")"
	bash -c 'echo $BASHPID >"$1/cgroup.procs" && exec 3<>/dev/tcp/127.0.0.1/9' _ "$cg" 2>"$work/allowed.err"
	grep -q "Connection refused" "$work/allowed.err" ||
		fail "allowed connect did not reach the network: $(cat "$work/allowed.err")"

	touch "$work/go"
	wait "$wrap" || fail "wrap exited $?"
	[[ -d $cg ]] && fail "session cgroup $cg still exists"
	ev=$(jq -c 'select(.source == "ebpf")' "$work/ev.jsonl")
	[[ $(grep -c . <<<"$ev") == 1 ]] || fail "expected one ebpf event, got: $ev"
	jq -e '.type == "ptrace_network" and .operation == "connect" and .remote == "127.0.0.2:9"
		and .policy.decision == "deny" and .policy.effective_decision == "deny"
		and .policy.rule == "deny-target" and .effective_action == "denied"
		and .fields.address == "127.0.0.2" and .fields.port == 9' <<<"$ev" >/dev/null ||
		fail "ebpf event fields: $ev"
	echo "ok: ${unrolled:+unrolled programs: }in-kernel denial with an ebpf event; cgroup removed"
done
echo "PASS: in-kernel denial with an ebpf event ($ev), both program sets; cgroup removed"
