#!/bin/bash
# Conformance of the escape suite: every tests/escapes program under each accelerated
# --mode must end as it does under ptrace+prefilter (blocked with a deny event, or
# skipped natively). A mode the machine lacks is skipped with the reason printed.
# Env: AGENTSH, PROGS (ESCDIR defaults to PROGS/../escapes), AGENTSH_SRC.
# CONFORMANCE_MODES (default: notify landlock ebpf fuse full), CONFORMANCE_ESCAPES (name filter regex).
set -u
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
: "${AGENTSH:?AGENTSH must point to the agentsh binary}"
src=${AGENTSH_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
escdir=${ESCDIR:-${PROGS:-.}/../escapes}
[[ -x $escdir/escape_listener ]] || skip "escape programs not built in $escdir"
"$AGENTSH" wrap --mode prefilter -- true 2>/dev/null ||
	skip "agentsh wrap does not accept --mode (cli/wrap.c must call wrap_mode_take and wrap_mode_tracer_new)"
modes=${CONFORMANCE_MODES:-"notify landlock ebpf fuse full"}
filter=${CONFORMANCE_ESCAPES:-.}
# Races that keep losing stop after 2 s here, not 5 (esc.h): each program
# runs in every mode, and a mode difference shows in 2 s as in 5.
export ESC_RACE_SECONDS=${ESC_RACE_SECONDS:-2}
work=$(mktemp -d /tmp/agentsh-confesc-XXXXXX)
trap 'rm -rf "$work"' EXIT

# run.sh calls "$AGENTSH wrap ..."; the shim adds --mode. The fuse layer mounts the
# workspace: it is the fixture root (run.sh's ESC_ROOT), as a project's root would be;
# with the default (cwd = work/) a rename from protected/ into it crosses the mount (EXDEV).
shim() {
	local ws=""
	[[ $1 == fuse ]] && ws='--workspace "$ESC_ROOT"'
	printf '#!/bin/bash\n[[ $1 == wrap ]] && { shift; exec %q wrap --mode %q %s "$@"; }\nexec %q "$@"\n' \
		"$AGENTSH" "$1" "$ws" "$AGENTSH" >"$work/agentsh-$1"
	chmod +x "$work/agentsh-$1"
}
verdict() { # mode name -> PASS|SKIP|FAIL...
	local bin=$AGENTSH
	[[ $1 != prefilter ]] && bin=$work/agentsh-$1
	AGENTSH=$bin ESCDIR=$escdir AGENTSH_SRC=$src bash "$src/tests/escapes/run.sh" "$2" 2>&1 |
		sed -n 's/^VERDICT [^:]*: \([A-Z-]*\).*/\1/p' | tail -n1
}

names=$(cd "$src/tests/escapes" && ls esc_*.c | sed 's/\.c$//' | grep -E -- "$filter")
# One mode's run: its summary line in $work/res.MODE. Two modes at a time
# (the suite takes a quarter of an hour one after another).
run_mode() {
	local m=$1 why pass=0 skipped=0 bad="" v base
	if ! why=$(timeout 20 "$AGENTSH" wrap --mode "$m" -- true 2>&1); then
		echo "mode $m: SKIP (${why#agentsh: error: })" >"$work/res.$m"
		return
	fi
	shim "$m"
	for n in $names; do
		v=$(verdict "$m" "$n")
		case $v in
		PASS) pass=$((pass + 1)) ;;
		SKIP) skipped=$((skipped + 1)) ;;
		*)
			base=$(verdict prefilter "$n")
			if [[ $base == "$v" ]]; then
				echo "  $n: $v in $m and in prefilter (not a mode difference)" >>"$work/notes.$m"
			else
				bad+=" $n($v, prefilter $base)"
			fi
			;;
		esac
	done
	if [[ -n $bad ]]; then
		echo "mode $m: FAIL ($pass blocked, $skipped skipped; differs:$bad)" >"$work/res.$m"
	else
		echo "mode $m: PASS ($pass blocked, $skipped skipped natively)" >"$work/res.$m"
	fi
}
running=0
for m in $modes; do
	run_mode "$m" &
	running=$((running + 1))
	if ((running >= ${CONFORMANCE_JOBS:-2})); then
		wait -n
		running=$((running - 1))
	fi
done
wait
failed=0
for m in $modes; do
	[[ -f $work/notes.$m ]] && cat "$work/notes.$m"
	cat "$work/res.$m" 2>/dev/null || { echo "mode $m: no result"; failed=1; }
	grep -q '^mode [a-z]*: FAIL' "$work/res.$m" 2>/dev/null && failed=1
done
[[ $failed == 0 ]] || fail "escape verdicts differ between modes"
echo "PASS"
