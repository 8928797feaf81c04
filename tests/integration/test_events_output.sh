#!/usr/bin/env bash
# The events file is the session's record: even where the policy lets the
# tree write (here all of its directory), the tree cannot truncate, append
# to, rename, remove or hard-link it, by its name or a link made before the
# session, nor move its directory away; each try
# is denied with rule deny-events-output and recorded in that same file.
# Reading it is allowed.
set -u
. "$(dirname "$0")/lib.sh"
d=$(mktemp -d /tmp/agentsh-evout-XXXXXX)
trap 'rm -rf "$d" "$d.moved"' EXIT
cat >"$d/p.yaml" <<EOP
version: 1
name: evout
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules:
  - {name: all-of-d, paths: ["$d", "$d/**"], operations: ["*"], decision: allow}
  - {name: dev, paths: [/dev/null], operations: ["*"], decision: allow}
EOP
ev="$d/ev.jsonl"
for m in prefilter ptrace; do
	rm -f "$ev" "$d/pre"
	: >"$ev"
	ln "$ev" "$d/pre" # another name, made before the session
	"$AGENTSH" wrap --mode "$m" --policy "$d/p.yaml" --events "$ev" -- bash -c "
		true > '$ev'; echo forged >> '$ev'; mv '$ev' '$d/x'; rm -f '$ev'; ln '$ev' '$d/hl'
		echo forged >> '$d/pre'
		mv '$d' '$d.moved'; cat '$ev' >/dev/null && echo read-ok
		echo fine > '$d/other' && echo other-ok" >"$d/out" 2>/dev/null
	[ "$(cat "$d/out")" = "read-ok
other-ok" ] || fail "$m: $(cat "$d/out")"
	[ -e "$d/x" ] || [ -e "$d/hl" ] || [ -e "$d.moved" ] && fail "$m: the events file was moved or linked"
	grep -qx forged "$ev" && fail "$m: a line was appended to the events file"
	n=$(grep -c '"rule":"deny-events-output"' "$ev")
	[ "$n" -eq 7 ] || fail "$m: $n deny-events-output events, expected 7: $(grep -o '"path":"[^"]*","operation":"[^"]*"' "$ev" | tail -8)"
	grep -q '"rule":"all-of-d"' "$ev" || fail "$m: the other write was not recorded as allowed"
	ok "$m: the events file cannot be changed by the tree, by any name, 7 tries recorded"
	rm -f "$d/other"
done
pass
