#!/usr/bin/env bash
# Runs every built fuzz target for a few seconds each: tests/fuzz/run.sh BUILD SECONDS
set -euo pipefail
build=$1 secs=${2:-20}
src=$(cd "$(dirname "$0")" && pwd)
status=0
for bin in "$build"/tests/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus="$build/tests/fuzz/corpus-$name"
	mkdir -p "$corpus"
	[ -d "$src/corpus/$name" ] && cp -n "$src/corpus/$name"/* "$corpus"/ 2>/dev/null || true
	echo "fuzz: $name for ${secs}s"
	if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 "$corpus" >"$build/$name.log" 2>&1; then
		echo "fuzz: $name FAILED (see $build/$name.log)"; tail -30 "$build/$name.log"; status=1
	fi
done
exit $status
