#!/usr/bin/env bash
# Runs the tests/policy/*.tests rows through `agentsh policy test`.
set -u
A=${AGENTSH:-build/agentsh}
DIR=${AGENTSH_SRC:-.}/tests/policy
export PROJECT_ROOT=/work/proj HOME=/home/u
fails=0 rows=0

run_row() { # policy, op line
	local pol=$1 line=$2 lhs want got flags=() depth=""
	lhs=${line%%->*}
	want=$(echo "${line##*->}" | xargs)
	eval "set -- $lhs"
	case $1 in
	exec)
		shift
		case ${1-} in depth=*) depth=${1#depth=}; shift ;; esac
		flags=(--exec "$1")
		[ -n "$depth" ] && flags+=(--depth "$depth") ;;
	file) flags=(--file "$2" --op "$3") ;;
	connect) flags=(--connect "$2" --no-resolve) ;;
	unix) flags=(--unix "$2" --op "$3") ;;
	signal) flags=(--signal "$2" --target "$3") ;;
	*) echo "bad row: $line"; return 1 ;;
	esac
	got=$("$A" policy test "$pol" --json "${flags[@]}" | jq -r '.decision + " " + (if .rule == "" then "-" else .rule end)')
	if [ "$got" != "$want" ]; then
		echo "FAIL $(basename "$pol"): $line"
		echo "     got: $got"
		return 1
	fi
}

for f in "$DIR"/*.tests; do
	pol=""
	while IFS= read -r line; do
		case $line in ''|'#'*) continue ;; policy:*) pol=$DIR/$(echo "${line#policy:}" | xargs); continue ;; esac
		rows=$((rows + 1))
		run_row "$pol" "$line" || fails=$((fails + 1))
	done <"$f"
done
echo "$rows rows, $fails failed"
[ "$fails" -eq 0 ]
