#!/bin/bash
# CPython's own tests of processes, signals, threads and the os module
# (test_subprocess test_signal test_threading test_os, package
# libpython3.11-testsuite) must give the same result under `agentsh wrap` as
# natively: the same tests pass, fail, error and skip. Native runs first and is
# the baseline. A test whose outcome differs is run again, alone, both ways; it
# fails the test unless the rerun agrees (then it is reported as flaky).
# Usage: test_pysuite.sh [WRAP-OPTION...]. Env: AGENTSH. Takes ~2-3 minutes.
set -u

WRAP_OPTS=("$@")
PY=/usr/bin/python3.11
MODULES=(test_subprocess test_signal test_threading test_os)
JOBS=${PYSUITE_JOBS:-4} # regrtest worker processes (one python invocation)

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

: "${AGENTSH:?AGENTSH must point to the agentsh binary}"
[ -x "$PY" ] || skip "$PY is not installed (make deps)"
"$PY" -c 'import test.test_subprocess, test.test_os' 2>/dev/null ||
	skip "CPython test suite missing: apt-get install libpython3.11-testsuite"
command -v strace >/dev/null && { strace -qq -o /dev/null /bin/true 2>/dev/null ||
	skip "ptrace is not permitted here (strace fails)"; }

WORK=$(mktemp -d /tmp/agentsh-pysuite.XXXXXX) || fail "mktemp"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/native" "$WORK/wrap"

WRAP=("$AGENTSH" wrap "${WRAP_OPTS[@]}" --events /dev/null --)
regrtest() { # native|wrap XML regrtest-args...
	local dir=$WORK/$1 xml=$2 runner=()
	[ "$1" = wrap ] && runner=("${WRAP[@]}")
	shift 2
	(cd "$dir" && TMPDIR="$dir" timeout 600 "${runner[@]}" "$PY" -m test --junit-xml "$xml" \
		--timeout 300 "$@" >"$xml.log" 2>&1)
}

start=$(date +%s)
regrtest native "$WORK/native.xml" -j"$JOBS" "${MODULES[@]}"
echo "native run: exit $?, $(($(date +%s) - start)) s"
start=$(date +%s)
regrtest wrap "$WORK/wrap.xml" -j"$JOBS" "${MODULES[@]}"
echo "agentsh wrap ${WRAP_OPTS[*]} run: exit $?, $(($(date +%s) - start)) s"

cat >"$WORK/cmp.py" <<'PYEOF'
import sys, xml.etree.ElementTree as ET

def results(path):
    out = {}
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        sys.exit("cannot read %s: %s (see %s.log)" % (path, e, path))
    for tc in root.iter("testcase"):
        status = "pass"
        for child, name in (("skipped", "skip"), ("failure", "FAIL"), ("error", "ERROR")):
            if tc.find(child) is not None:
                status = name
        out[tc.get("name")] = status
    return out

native, wrap = results(sys.argv[1]), results(sys.argv[2])
def summary(r):
    c = {}
    for s in r.values():
        c[s] = c.get(s, 0) + 1
    return ", ".join("%s %d" % kv for kv in sorted(c.items()))
print("native : %d tests: %s" % (len(native), summary(native)))
print("wrapped: %d tests: %s" % (len(wrap), summary(wrap)))
if not native:
    sys.exit("native run produced no results")
for name in sorted(set(native) | set(wrap)):
    a, b = native.get(name, "absent"), wrap.get(name, "absent")
    if a != b:
        print("DIFF %s native=%s wrapped=%s" % (name, a, b))
PYEOF
"$PY" "$WORK/cmp.py" "$WORK/native.xml" "$WORK/wrap.xml" >"$WORK/cmp.out" || {
	cat "$WORK/cmp.out"
	tail -30 "$WORK/wrap.xml.log"
	fail "could not compare results"
}
grep -v '^DIFF' "$WORK/cmp.out"
mapfile -t diffs < <(grep '^DIFF' "$WORK/cmp.out" | cut -d' ' -f2-)
[ ${#diffs[@]} -eq 0 ] && { echo "PASS: all ${MODULES[*]} results identical under agentsh wrap ${WRAP_OPTS[*]}"; exit 0; }
[ ${#diffs[@]} -gt 20 ] && {
	printf '  %s\n' "${diffs[@]:0:40}"
	tail -40 "$WORK/wrap.xml.log"
	fail "${#diffs[@]} tests differ under agentsh wrap"
}

# Rerun each differing test alone, natively and wrapped.
bad=()
for d in "${diffs[@]}"; do
	name=${d%% *}            # test.test_os.Class.test_x
	module=${name#test.}
	module=${module%%.*}     # test_os
	rm -f "$WORK/n1.xml" "$WORK/w1.xml"
	regrtest native "$WORK/n1.xml" "$module" -m "${name##*.}"
	regrtest wrap "$WORK/w1.xml" "$module" -m "${name##*.}"
	again=$("$PY" "$WORK/cmp.py" "$WORK/n1.xml" "$WORK/w1.xml" | grep "^DIFF $name ")
	if [ -n "$again" ]; then
		echo "DIFFERS: $d; alone: ${again#DIFF }"
		bad+=("$name")
	else
		echo "flaky (agrees when rerun alone): $d"
	fi
done
if [ ${#bad[@]} -ne 0 ]; then
	tail -40 "$WORK/wrap.xml.log"
	fail "${#bad[@]} test(s) behave differently under agentsh wrap: ${bad[*]}"
fi
echo "PASS: ${MODULES[*]} results identical under agentsh wrap ${WRAP_OPTS[*]} (flaky ones agree on rerun)"
