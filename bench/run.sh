#!/bin/bash
# agentsh overhead benchmark (`make bench`): each workload runs natively, under
# `agentsh wrap` (all tracing on, allow-all, events to /dev/null) and under
# strace -f with and without --seccomp-bpf tracing the same syscall set,
# interleaved in rounds; medians and ratios to native of the same run are
# printed and written to BUILD/bench/results.txt. Then a micro benchmark (ns
# per untraced getpid and per traced openat in each mode), the tracer's RSS
# with 500 live tracees, and bench_policy / bench_net when built.
#
# Usage: bash bench/run.sh [BUILD_DIR]            (default: build)
# Env:   BENCH_ROUNDS=7  BENCH_WORKLOADS="build forkexec ..."
#        BENCH_MODES="native agentsh strace strace-bpf" (also: agentsh-nopf, agentsh-alf:
#        sandbox.ptrace.performance.arg_level_filter, read-only opens unrecorded)
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-build}" && pwd) || exit 2
AGENTSH=$BUILD/agentsh
BIN=$BUILD/bench
RESULTS=$BIN/results.txt
PY=/usr/bin/python3.11
ROUNDS=${BENCH_ROUNDS:-7}
read -r -a WORKLOADS <<<"${BENCH_WORKLOADS:-build forkexec fileops gitlike python threads}"
read -r -a MODES <<<"${BENCH_MODES:-native agentsh strace strace-bpf}"
# The syscalls agentsh's prefilter traces with trace.execve/file/network/signal on.
SET=execve,execveat,open,openat,openat2,creat,unlink,unlinkat,rmdir,mkdir,mkdirat,rename,renameat
SET=$SET,renameat2,link,linkat,symlink,symlinkat,chmod,fchmodat,chown,lchown,fchownat,truncate
SET=$SET,mknod,mknodat,connect,bind,listen,sendto,sendmsg,socket,kill,tkill,tgkill,fork,vfork
SET=$SET,clone,clone3
STATUS=0

say() { echo "$*" | tee -a "$RESULTS"; }
die() { echo "bench: $*" >&2; exit 2; }

for p in bench_run bench_fileops bench_threads bench_micro bench_tracees; do
	[ -x "$BIN/$p" ] || die "$BIN/$p is missing: build first (make, or cmake --build $BUILD)"
done
[ -x "$PY" ] || die "$PY is missing (make deps)"
mkdir -p "$BIN" && : >"$RESULTS"

# Scratch on tmpfs when there is one, so file workloads measure syscalls and
# tracing rather than the disk (and other users of it).
TMPBASE=/tmp
[ -d /dev/shm ] && [ -w /dev/shm ] && TMPBASE=/dev/shm
WORK=$(mktemp -d "$TMPBASE/agentsh-bench.XXXXXX") || die "mktemp failed"
trap 'rm -rf "$WORK"' EXIT

# Drop modes that cannot run here, saying why.
usable=()
for m in "${MODES[@]}"; do
	case $m in
	agentsh*)
		if ! "$AGENTSH" wrap --events /dev/null -- /bin/true >"$WORK/probe" 2>&1; then
			say "note: agentsh wrap does not run here ($(head -c 200 "$WORK/probe")); mode $m skipped"
			STATUS=1
			continue
		fi ;;
	strace*)
		if ! strace -f -qq -o /dev/null --seccomp-bpf -e trace=$SET /bin/true 2>"$WORK/probe"; then
			say "note: strace unusable ($(head -c 200 "$WORK/probe")); mode $m skipped"
			continue
		fi ;;
	esac
	usable+=("$m")
done
MODES=("${usable[@]}")

mode_prefix() { # MODE -> PREFIX array
	case $1 in
	native) PREFIX=() ;;
	agentsh) PREFIX=("$AGENTSH" wrap --events /dev/null --) ;;
	agentsh-nopf) PREFIX=("$AGENTSH" wrap --no-prefilter --events /dev/null --) ;;
	agentsh-alf)
		printf 'sandbox:\n  ptrace:\n    performance:\n      arg_level_filter: true\n' \
			>"$WORK/alf.yaml"
		PREFIX=("$AGENTSH" wrap --config "$WORK/alf.yaml" --events /dev/null --) ;;
	strace) PREFIX=(strace -f -qq -o /dev/null -e trace=$SET) ;;
	strace-bpf) PREFIX=(strace -f -qq -o /dev/null --seccomp-bpf -e trace=$SET) ;;
	*) die "unknown mode $1" ;;
	esac
}

# ---- workload set-up (untimed) ------------------------------------------
setup_build() { # 60 C files and a Makefile
	local d=$WORK/build-src i
	mkdir -p "$d"
	for ((i = 0; i < 60; i++)); do
		cat >"$d/m$i.c" <<EOF
#include <stdio.h>
#include <string.h>
struct rec$i { int id; char name[32]; double v[8]; };
static double mix$i(const struct rec$i *r) { double s = 0; for (int k = 0; k < 8; k++) s += r->v[k] * (k + $i); return s; }
int f$i(int n) { struct rec$i r = { n, "m$i", { 0 } }; for (int k = 0; k < 8; k++) r.v[k] = n * k; snprintf(r.name, sizeof(r.name), "%d", n); return (int)mix$i(&r) + (int)strlen(r.name); }
EOF
	done
	{
		echo "int f0(int);"
		echo "int main(void) { return f0(1) == 42; }"
	} >"$d/main.c"
	cat >"$d/Makefile" <<'EOF'
SRCS := $(wildcard m*.c) main.c
prog: $(SRCS:.c=.o)
	cc -o $@ $^
%.o: %.c
	cc -O2 -c $< -o $@
clean:
	rm -f *.o prog
EOF
}
prep_build() { make -s -C "$WORK/build-src" clean >/dev/null; }
run_build() { make -s -j2 -C "$WORK/build-src"; }

prep_forkexec() { :; }
run_forkexec() { /bin/sh -c 'i=0; while [ $i -lt 300 ]; do /bin/true; i=$((i + 1)); done'; }

prep_fileops() { rm -rf "$WORK/fileops" && mkdir -p "$WORK/fileops"; }
run_fileops() { "$BIN/bench_fileops" "$WORK/fileops" 3000; }

setup_gitlike() { # 500 files in 10 directories, and the git session script
	local d=$WORK/git-template i
	for ((i = 0; i < 500; i++)); do
		mkdir -p "$d/dir$((i % 10))"
		seq "$i" $((i + 40)) | sed "s/^/line of file $i: /" >"$d/dir$((i % 10))/file$i.txt"
	done
	cat >"$WORK/git.sh" <<'EOF'
set -e
git init -q
git add -A
git commit -qm "initial import"
for i in 3 17 42 99 123 256 311 404 450 499; do echo "changed" >>"dir$((i % 10))/file$i.txt"; done
git status --short >/dev/null
git diff >/dev/null
git commit -qam "second"
git log --oneline >/dev/null
git log -p -1 >/dev/null
git status >/dev/null
EOF
}
prep_gitlike() { rm -rf "$WORK/git" && cp -r "$WORK/git-template" "$WORK/git"; }
run_gitlike() { (cd "$WORK/git" && /bin/sh "$WORK/git.sh"); }

prep_python() { :; }
run_python() {
	"$PY" -c 'import json, re, os, sys, collections' &&
		"$PY" -c 'import subprocess, threading, asyncio' &&
		"$PY" -c 'import email.mime.text, http.client, urllib.request' &&
		"$PY" -c 'import decimal, fractions, statistics, datetime' &&
		"$PY" -c 'import argparse, logging, pathlib, tempfile, shutil' &&
		"$PY" -c 'import sqlite3, csv, hashlib, base64, zipfile'
}

prep_threads() { :; }
run_threads() { "$BIN/bench_threads" 3000; }

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=bench \
	GIT_AUTHOR_EMAIL=bench@example.com GIT_COMMITTER_NAME=bench \
	GIT_COMMITTER_EMAIL=bench@example.com LC_ALL=C

# ---- timed runs -----------------------------------------------------------
time_one() { # WORKLOAD MODE -> appends "workload mode wall_us cpu_us" (or FAIL) to times
	local w=$1 m=$2 rc
	mode_prefix "$m"
	"prep_$w"
	"$BIN/bench_run" "$WORK/t" "${PREFIX[@]}" bash -c "$(declare -f "run_$w"); run_$w" \
		>/dev/null 2>"$WORK/err"
	rc=$?
	if [ $rc -ne 0 ]; then
		echo "$w $m FAIL FAIL" >>"$WORK/times"
		echo "bench: $w under $m exited $rc: $(tail -c 300 "$WORK/err")" >&2
	else
		echo "$w $m $(cut -d' ' -f1,2 "$WORK/t")" >>"$WORK/times"
	fi
}

setup_build
setup_gitlike
export WORK BIN PY
say "agentsh benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(uname -r), $(nproc) CPUs, $ROUNDS rounds," \
	"load average at start $(cut -d' ' -f1-3 /proc/loadavg) (other load makes wall times noisy)"
say "modes: ${MODES[*]}; strace set: $SET"
: >"$WORK/times"
start=$(date +%s)
for ((r = 0; r < ROUNDS; r++)); do
	for w in "${WORKLOADS[@]}"; do
		n=${#MODES[@]}
		for ((k = 0; k < n; k++)); do # rotate the mode order each round
			time_one "$w" "${MODES[$(((k + r) % n))]}"
		done
	done
	echo "round $((r + 1))/$ROUNDS done ($(($(date +%s) - start)) s)" >&2
done

# ---- micro benchmark ------------------------------------------------------
: >"$WORK/micro"
for m in "${MODES[@]}"; do
	mode_prefix "$m"
	"${PREFIX[@]}" "$BIN/bench_micro" 250 2>/dev/null | sed "s/^/$m /" >>"$WORK/micro"
done
# The same with tracer and tracee on one CPU: a stop then costs no cross-CPU
# wake-up of an idle (virtual) CPU, which dominates on an idle VM.
if command -v taskset >/dev/null; then
	for m in "${MODES[@]}"; do
		[ "$m" = native ] || [ "$m" = strace ] && continue
		mode_prefix "$m"
		taskset -c 0 "${PREFIX[@]}" "$BIN/bench_micro" 250 2>/dev/null |
			sed "s/^/$m@1cpu /" >>"$WORK/micro"
	done
fi

# ---- tracer RSS with 500 live tracees ---------------------------------------
rss_of() { # MODE -> "VmRSS_kB VmHWM_kB tracees" of the tracer process
	local fifo=$WORK/rss.fifo pid i rss="" hwm="" n=""
	mode_prefix "$1"
	rm -f "$fifo" "$WORK/rss.out" && mkfifo "$fifo"
	"${PREFIX[@]}" "$BIN/bench_tracees" 500 <"$fifo" >"$WORK/rss.out" 2>&1 &
	pid=$!
	exec 7>"$fifo"
	for ((i = 0; i < 600; i++)); do
		grep -q '^ready' "$WORK/rss.out" 2>/dev/null && break
		sleep 0.1
	done
	n=$(sed -n 's/^ready //p' "$WORK/rss.out")
	if [ -n "$n" ]; then
		rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status")
		hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
	fi
	exec 7>&-
	wait "$pid"
	echo "${rss:-?} ${hwm:-?} ${n:-?}"
}
: >"$WORK/rss"
for m in "${MODES[@]}"; do
	[ "$m" = native ] && continue
	echo "$m $(rss_of "$m")" >>"$WORK/rss"
done

# ---- report ----------------------------------------------------------------
say "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
"$PY" - "$WORK/times" "$WORK/micro" "$WORK/rss" "${MODES[*]}" "${WORKLOADS[*]}" <<'PYEOF' | tee -a "$RESULTS"
import statistics, sys
times_f, micro_f, rss_f, modes, workloads = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4].split(), sys.argv[5].split()
runs = {}
for line in open(times_f):
    w, m, wall, cpu = line.split()
    runs.setdefault((w, m), []).append(None if wall == "FAIL" else (int(wall) / 1e6, int(cpu) / 1e6))

def stat(w, m, k, fn):
    v = runs.get((w, m), [])
    return None if not v or None in v else fn(x[k] for x in v)

misses = 0
ratio_modes = [m for m in modes if m != "native"]
tables = ((0, statistics.median, "median wall time per mode"),
          (0, min, "best (minimum) wall time per mode (least disturbed by other load)"),
          (1, statistics.median, "median CPU time (user+sys of the whole tree, tracer included) per mode"))
for k, fn, title in tables:
    print()
    print("Workloads: %s, and ratio to native (same run)" % title)
    head = "%-9s" % "workload" + "".join("%12s" % m for m in modes)
    head += "  |" + "".join("%13s" % (m + " x") for m in ratio_modes)
    target = title.startswith("median wall") and "agentsh" in modes and "strace-bpf" in modes
    if target:
        head += "  | target: agentsh overhead <= 1/2 of strace-bpf's"
    print(head)
    for w in workloads:
        med = {m: stat(w, m, k, fn) for m in modes}
        row = "%-9s" % w + "".join("%12s" % ("FAILED" if med[m] is None else "%.3f s" % med[m]) for m in modes)
        nat = med.get("native")
        ratios = {m: (med[m] / nat if nat and med[m] is not None else None) for m in ratio_modes}
        row += "  |" + "".join("%13s" % ("-" if ratios[m] is None else "%.2fx" % ratios[m]) for m in ratio_modes)
        if target:
            a, b = ratios.get("agentsh"), ratios.get("strace-bpf")
            if a is None or b is None:
                row += "  | n/a"
                misses += 1
            else:
                ok = a - 1 <= 0.5 * (b - 1)
                misses += not ok
                row += "  | %s (%+.0f%% vs %+.0f%%)" % ("met   " if ok else "MISSED", (a - 1) * 100, (b - 1) * 100)
        print(row)

print()
print("Micro benchmark: ns per call (openat: per openat of /dev/null, its close subtracted)")
micro = {}
for line in open(micro_f):
    m, k, v = line.split()
    micro.setdefault(m, {})[k] = float(v)
print("%-18s %12s %12s %16s" % ("mode", "getpid ns", "openat ns", "openat extra us"))
nat = micro.get("native", {}).get("openat_ns")
for m in modes + sorted(k for k in micro if k.endswith("@1cpu")):
    d = micro.get(m)
    if not d:
        print("%-18s %12s" % (m, "FAILED"))
        continue
    extra = "-" if nat is None or m == "native" else "%.1f" % ((d["openat_ns"] - nat) / 1000)
    print("%-18s %12.0f %12.0f %16s" % (m, d["getpid_ns"], d["openat_ns"], extra))
a = micro.get("agentsh", {}).get("openat_ns")
if a is not None and nat is not None:
    ok = (a - nat) / 1000 < 30
    misses += not ok
    print("target: traced openat under 30 us extra under agentsh: %s" % ("met" if ok else "MISSED"))

print()
print("Tracer memory with 500 live tracees (bench_tracees 500)")
print("%-13s %12s %12s %9s" % ("mode", "VmRSS MB", "VmHWM MB", "tracees"))
for line in open(rss_f):
    m, rss, hwm, n = line.split()
    mb = lambda v: "?" if v == "?" else "%.1f" % (int(v) / 1024)
    print("%-13s %12s %12s %9s" % (m, mb(rss), mb(hwm), n))
    if m == "agentsh":
        ok = rss != "?" and n == "500" and int(rss) < 32 * 1024
        misses += not ok
        print("target: agentsh RSS with 500 tracees under 32 MB: %s" % ("met" if ok else "MISSED"))
print()
print("targets missed: %d" % misses)
PYEOF

{
	echo ""
	echo "raw runs (workload mode wall_us cpu_us, in run order):"
	cat "$WORK/times"
} >>"$RESULTS"

for extra in bench_policy bench_net; do
	if [ -x "$BIN/$extra" ]; then
		say ""
		say "== $extra =="
		(cd "$SRC" && "$BIN/$extra") 2>&1 | tee -a "$RESULTS"
	fi
done
# Enforcement costs (deny / redirect / attach) and each backend mode.
bash "$SRC/bench/bench_enforce.sh" "$BUILD" 2>&1 | tee -a "$RESULTS"
if [ -x "$SRC/bench/bench_modes.sh" ] && [ "${BENCH_BACKENDS:-1}" = 1 ]; then
	say ""
	bash "$SRC/bench/bench_modes.sh" "$BUILD/agentsh" 2>&1 | tee -a "$RESULTS"
fi
echo "results written to $RESULTS" >&2
exit $STATUS
