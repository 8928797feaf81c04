#!/usr/bin/env bash
# clone() with CLONE_NEWUSER | CLONE_NEWNS makes a child in a new user and
# mount namespace, what unshare() with those flags is refused for
# (threat model 16): under a policy it fails with EPERM and a
# deny-clone-namespace event, in prefilter and ptrace mode; without a
# policy it runs.
set -u
. "$(dirname "$0")/lib.sh"
prog=$PROGS/prog_tr_clone_ns
[ -x "$prog" ] || fail "no $prog"
[ "$("$prog")" = "clone ok" ] || skip "no user namespaces here: $("$prog")"
d=$(mktemp -d /tmp/agentsh-clonens-XXXXXX)
trap 'rm -rf "$d"' EXIT
printf 'version: 1\nname: ns\ncommand_rules:\n  - {name: all, commands: ["*"], decision: allow}\n' >"$d/p.yaml"
for m in prefilter ptrace; do
	out=$("$AGENTSH" wrap --mode "$m" --policy "$d/p.yaml" --events "$d/ev.$m" -- "$prog")
	[ "$out" = "clone EPERM" ] || fail "$m: $out"
	grep -q '"rule":"deny-clone-namespace"' "$d/ev.$m" || fail "$m: no deny-clone-namespace event"
	ok "$m: refused and recorded under a policy"
	out=$("$AGENTSH" wrap --mode "$m" --events /dev/null -- "$prog")
	[ "$out" = "clone ok" ] || fail "$m without a policy: $out"
	ok "$m: runs without a policy"
done
pass
