#!/bin/bash
# Each --mode on the same workloads, as ratios to native, in one run.
#   bench/bench_modes.sh [AGENTSH]      (default: build/agentsh)
# Workloads: fileops (python: 4000 x create/write/stat/open/read/unlink plus 4000
# opens of existing files) and build (cc -O0 of 12 small C files, one process each).
# Prints a markdown table; the median of BENCH_RUNS (default 3) runs per cell.
set -u
agentsh=${1:-${AGENTSH:-$(dirname "$0")/../build/agentsh}}
runs=${BENCH_RUNS:-3}
modes=${BENCH_MODES:-"ptrace prefilter notify landlock ebpf fuse full"}
work=$(mktemp -d /tmp/agentsh-bench-modes-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$agentsh" wrap --mode prefilter -- true 2>/dev/null || {
	echo "agentsh wrap does not accept --mode: nothing to compare" >&2
	exit 77
}

cat >"$work/policy.yaml" <<YAML
version: 1
name: bench-modes
file_rules:
  - name: allow-ws
    paths: ["$work/**", "/tmp/**"]
    operations: ["*"]
    decision: allow
  - name: allow-dev
    paths: ["/dev/null", "/dev/tty", "/dev/pts/**"]
    operations: ["*"]
    decision: allow
network_rules:
  - name: allow-web
    ports: [443]
    decision: allow
command_rules:
  - name: allow-all
    commands: ["*"]
    decision: allow
YAML
mkdir -p "$work/ws" "$work/src"
cat >"$work/fileops.py" <<'PY'
import os, sys
d = sys.argv[1]
for i in range(4000):
    p = os.path.join(d, "f%d" % i)
    with open(p, "w") as f:
        f.write("x" * 64)
    os.stat(p)
    with open(p) as f:
        f.read()
    os.unlink(p)
for i in range(4000):
    with open("/etc/hostname") as f:
        f.read()
PY
for i in $(seq 12); do
	printf '#include <stdio.h>\n#include <string.h>\nint f%d(const char *s){return (int)strlen(s)+%d;}\n' \
		"$i" "$i" >"$work/src/f$i.c"
done
cat >"$work/build.sh" <<'SH'
cd "$1" && for f in src/*.c; do cc -O0 -c "$f" -o "${f%.c}.o" || exit 1; done
SH

# median wall time (seconds) of one command
time_cmd() {
	local t=()
	for _ in $(seq "$runs"); do
		local s e
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || { echo "nan"; return; }
		e=$(date +%s.%N)
		t+=("$(echo "$e - $s" | bc -l)")
	done
	printf '%s\n' "${t[@]}" | sort -g | sed -n "$(((runs + 1) / 2))p"
}
wrap() { "$agentsh" wrap --mode "$1" --policy "$work/policy.yaml" --workspace "$work" -- "${@:2}"; }
fileops() { python3 "$work/fileops.py" "$work/ws"; }
build() { bash "$work/build.sh" "$work"; }

declare -A native
for w in fileops build; do native[$w]=$(time_cmd "$w"); done
printf '| mode | fileops s | fileops ratio | build s | build ratio |\n|---|---|---|---|---|\n'
printf '| native | %.3f | 1.00 | %.3f | 1.00 |\n' "${native[fileops]}" "${native[build]}"
for m in $modes; do
	if ! why=$("$agentsh" wrap --mode "$m" -- true 2>&1); then
		printf '| %s | skipped: %s | | | |\n' "$m" "${why#agentsh: error: }"
		continue
	fi
	f=$(time_cmd wrap "$m" python3 "$work/fileops.py" "$work/ws")
	b=$(time_cmd wrap "$m" bash "$work/build.sh" "$work")
	printf '| %s | %.3f | %.2f | %.3f | %.2f |\n' "$m" "$f" "$(echo "$f / ${native[fileops]}" | bc -l)" \
		"$b" "$(echo "$b / ${native[build]}" | bc -l)"
done
