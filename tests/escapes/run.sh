#!/usr/bin/env bash
# run.sh esc_NAME — one escape test.
#
# 1. Native run on a fresh fixture: the attack must SUCCEED (exit 0), else the
#    attack program is broken and the test fails (77 = vector unavailable: skip).
# 2. Run under `agentsh wrap` on another fresh fixture: the program must report
#    the attack blocked (exit 1) or be killed (exit > 128) — any other status
#    means it never reached its attack (a loader failure is exit 127) — AND the
#    events file must hold a deny event of the type the program declares in its
#    header (a ptrace_file event only counts for a fixture or /proc path):
#        * expect: ptrace_file|ptrace_process     (any of these types)
#        * expect-match: protected               (optional substring of that event line)
#        * wrap-args: --max-tracees 16           (optional extra wrap flags)
#
# Env: AGENTSH (binary), ESCDIR (attack binaries + escape_listener), AGENTSH_SRC.
# ESC_NATIVE_ONLY=1 stops after step 1 (proves the attacks while enforcement is missing).
# ESC_KEEP=1 keeps the temp dirs. Policy: tests/escapes/esc_NAME.yaml if present, else policy.yaml.
set -u

name=${1:?usage: run.sh esc_NAME}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src_dir=${AGENTSH_SRC:-$(cd "$here/../.." && pwd)}/tests/escapes
escdir=${ESCDIR:?ESCDIR must name the directory of the escape binaries}
bin=$escdir/$name
src=$src_dir/$name.c
policy=$src_dir/policy.yaml
[[ -f $src_dir/$name.yaml ]] && policy=$src_dir/$name.yaml

header() { sed -n "s/^ \* $1: *//p" "$src" | head -n1; }
expect=$(header expect)
expect_match=$(header expect-match)
wrap_args=$(header wrap-args)

verdict() { echo "VERDICT $name: $*"; }
die() { verdict "FAIL ($*)"; exit 1; }

[[ -x $bin ]] || die "binary $bin not built"
[[ -n $expect ]] || die "$src has no ' * expect:' header line"

pids_to_kill=()
dirs_to_remove=()
cleanup() {
	for p in "${pids_to_kill[@]}"; do kill -KILL "$p" 2>/dev/null; done
	[[ ${ESC_KEEP:-0} == 1 ]] || rm -rf "${dirs_to_remove[@]}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The network fixture lives outside agentsh for the whole test.
export ESC_DENY_ADDR=127.0.0.2
export ESC_ABSTRACT=agentsh-esc-$$-$RANDOM
portfile=$(mktemp /tmp/agentsh-esc-port.XXXXXX)
dirs_to_remove+=("$portfile")
"$escdir/escape_listener" "$ESC_DENY_ADDR" "$ESC_ABSTRACT" >"$portfile" &
pids_to_kill+=($!)
disown
for _ in $(seq 100); do [[ -s $portfile ]] && break; sleep 0.05; done
ESC_DENY_PORT=$(head -n1 "$portfile")
[[ $ESC_DENY_PORT =~ ^[0-9]+$ ]] || die "escape_listener did not start"
export ESC_DENY_PORT

# A fresh fixture per run: the native run may rename, truncate or kill it.
setup_fixture() {
	local root
	root=$(mktemp -d /tmp/agentsh-esc-XXXXXX) || die "mktemp"
	dirs_to_remove+=("$root")
	mkdir -p "$root/protected/sub" "$root/work" "$root/bin"
	export ESC_ROOT=$root ESC_PROTECTED=$root/protected ESC_WORK=$root/work ESC_BIN=$root/bin
	export ESC_SECRET="ESC-SECRET-$RANDOM$RANDOM$RANDOM"
	printf '%s\n' "$ESC_SECRET" >"$root/protected/secret.txt"
	printf 'victim-original\n' >"$root/protected/victim.txt"
	ln "$root/protected/secret.txt" "$root/work/prelinked"
	cp "$(type -P touch)" "$root/bin/denied"
	cp "$(type -P true)" "$root/bin/allowed"
	# A process outside the traced tree, in its own session and group.
	# Bounded life (the ctest timeout is 120 s) in case run.sh is SIGKILLed.
	setsid sleep 200 </dev/null >/dev/null 2>&1 &
	export ESC_VICTIM_PID=$!
	pids_to_kill+=("$ESC_VICTIM_PID")
	disown
	# setsid execs sleep in the same pid: wait until it has (a loaded machine
	# can run the attack before, and the signal escapes would see "setsid").
	for _ in $(seq 200); do
		[[ $(cat "/proc/$ESC_VICTIM_PID/comm" 2>/dev/null) == sleep ]] && break
		sleep 0.01
	done
}

# --- 1. native -------------------------------------------------------------
setup_fixture
native_out=$(cd "$ESC_WORK" && timeout 60 "$bin" 2>&1)
native_rc=$?
printf '%s\n' "$native_out" | sed 's/^/  native: /'
case $native_rc in
0) ;;
77) verdict "SKIP (vector unavailable natively)"; exit 77 ;;
*) die "the attack does not work natively (exit $native_rc): fix the attack program" ;;
esac
if [[ ${ESC_NATIVE_ONLY:-0} == 1 ]]; then
	verdict "NATIVE-OK (attack succeeds natively; agentsh run skipped)"
	exit 0
fi

# --- 2. under agentsh -------------------------------------------------------
agentsh=${AGENTSH:?AGENTSH must name the agentsh binary}
setup_fixture
events=$ESC_ROOT/events.jsonl
# shellcheck disable=SC2086 # wrap_args is a list of flags
traced_out=$(cd "$ESC_WORK" && timeout 90 "$agentsh" wrap --policy "$policy" --events "$events" \
	$wrap_args -- "$bin" 2>&1)
traced_rc=$?
printf '%s\n' "$traced_out" | sed 's/^/  agentsh: /'

types=$(jq -cn --arg e "$expect" '$e | split("|")')
denies=""
if [[ -s $events ]]; then
	denies=$(jq -c --argjson types "$types" --arg root "$ESC_ROOT" 'select((.policy.decision == "deny"
		or .policy.effective_decision == "deny") and (.type as $t | $types | index($t))
		and (.type != "ptrace_file" or ((.path // "") as $p | ($p | startswith($root))
			or ($p | startswith("/proc/")) or ($p | startswith("/protected")))))' \
		"$events" 2>/dev/null)
	[[ -n $expect_match ]] && denies=$(grep -F -- "$expect_match" <<<"$denies")
fi
n_events=0
[[ -f $events ]] && n_events=$(wc -l <"$events")

show_denies() {
	[[ -s $events ]] || return 0
	echo "  first deny events:"
	jq -c 'select(.policy.decision == "deny") | {type, path, filename, remote, operation,
		rule: .policy.rule}' "$events" 2>/dev/null | head -n 5 | sed 's/^/    /'
}
case $traced_rc in
0) die "ESCAPED: the attack succeeded under agentsh" ;;
1) ;;
124) die "hung under agentsh (timeout)" ;;
125) die "agentsh failed before running the command (exit 125)" ;;
12[6-8]) show_denies; die "the program never ran its attack under agentsh (exit $traced_rc)" ;;
2) show_denies; die "the attack's own setup failed under agentsh (exit 2): something it needs was denied" ;;
# The vector does not exist where the mode puts the program (chattr on the
# fuse mode's workspace mount): nothing to escape through, said so.
77) verdict "SKIP (vector unavailable under agentsh: $(tail -n1 <<<"$traced_out"))"; exit 77 ;;
*) ((traced_rc > 128)) || { show_denies; die "unexpected exit $traced_rc under agentsh (want 1, or killed)"; } ;;
esac
if [[ -z $denies ]]; then
	show_denies
	die "NOT BLOCKED as required: exit $traced_rc but no deny event of type $expect${expect_match:+ containing '$expect_match'} among $n_events events"
fi
first=$(head -n1 <<<"$denies")
rule=$(jq -r '.policy.rule // ""' <<<"$first")
type=$(jq -r '.type' <<<"$first")
verdict "PASS (native: attack succeeded; agentsh: blocked, exit $traced_rc, deny event $type rule=$rule)"
exit 0
