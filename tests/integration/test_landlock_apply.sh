#!/bin/bash
# enforce/landlock.c applied in a forked child before exec: reads, writes, execs and TCP
# connects/binds inside and outside the allowed subtrees and ports, with real programs.
set -u
APPLY="$PROGS/prog_landlock_apply"
NET="$PROGS/prog_landlock_net"
abi=$("$APPLY" --abi) || { echo "skip: landlock unavailable on this kernel"; exit 77; }
echo "landlock ABI $abi"

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T"/ro "$T"/rw/a "$T"/rw/b "$T"/out "$T"/x
echo hi >"$T"/ro/f
echo secret >"$T"/out/f
echo only >"$T"/out/only
echo moved >"$T"/rw/a/m
printf '#!/bin/sh\necho ran\n' >"$T"/x/s
cp "$T"/x/s "$T"/ro/s
chmod +x "$T"/x/s "$T"/ro/s
BASE=(-x /usr -r /usr -r /etc -r /lib -r /lib64 -x "$PROGS" -r "$PROGS")
FS=("${BASE[@]}" -r "$T"/ro -w "$T"/rw -x "$T"/x -r "$T"/out/only)
fail=0

# expect NAME WANT CMD...: WANT is "ok" (exit 0), "denied" (non-zero) or an exact stdout.
expect() {
	local name=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>/dev/null)
	rc=$?
	case $want in
	ok) [ $rc -eq 0 ] ;;
	denied) [ $rc -ne 0 ] ;;
	*) [ "$out" = "$want" ] ;;
	esac
	if [ $? -eq 0 ]; then
		echo "ok   $name"
	else
		echo "FAIL $name: want $want, got rc=$rc out='$out'"
		fail=1
	fi
}

expect read_inside_ro ok "$APPLY" "${FS[@]}" -- /bin/cat "$T"/ro/f
expect read_outside_denied denied "$APPLY" "${FS[@]}" -- /bin/cat "$T"/out/f
expect read_exact_file_rule ok "$APPLY" "${FS[@]}" -- /bin/cat "$T"/out/only
expect list_outside_denied denied "$APPLY" "${FS[@]}" -- /bin/ls "$T"/out
expect write_inside_rw ok "$APPLY" "${FS[@]}" -- /bin/sh -c "echo x >$T/rw/new"
expect write_in_ro_denied denied "$APPLY" "${FS[@]}" -- /bin/sh -c "echo x >$T/ro/new"
expect write_outside_denied denied "$APPLY" "${FS[@]}" -- /bin/sh -c "echo x >$T/out/new"
expect delete_in_ro_denied denied "$APPLY" "${FS[@]}" -- /bin/rm -f "$T"/ro/f
expect mkdir_inside_rw ok "$APPLY" "${FS[@]}" -- /bin/mkdir "$T"/rw/d
expect exec_in_x ran "$APPLY" "${FS[@]}" -- "$T"/x/s
expect exec_in_ro_denied denied "$APPLY" "${FS[@]}" -- "$T"/ro/s
if [ "$abi" -ge 2 ]; then
	# REFER (ABI 2) is granted with write, so a rename across directories works.
	expect rename_across_dirs_rw ok "$APPLY" "${FS[@]}" -- /bin/mv "$T"/rw/a/m "$T"/rw/b/m
fi
[ -f "$T"/ro/f ] || { echo "FAIL ro/f was deleted"; fail=1; }
[ ! -e "$T"/out/new ] || { echo "FAIL out/new was created"; fail=1; }

# Without a filesystem rule nothing on disk is restricted.
expect net_only_leaves_fs_alone secret "$APPLY" -c 1 -- /bin/cat "$T"/out/f

if [ "$abi" -ge 4 ]; then
	NETRULES=(-c 4242 -b 4243)
	expect connect_allowed_port ECONNREFUSED "$APPLY" "${NETRULES[@]}" -- "$NET" connect 4242
	expect connect_other_port_denied EACCES "$APPLY" "${NETRULES[@]}" -- "$NET" connect 4244
	expect bind_allowed_port ok "$APPLY" "${NETRULES[@]}" -- "$NET" bind 4243
	expect bind_other_port_denied EACCES "$APPLY" "${NETRULES[@]}" -- "$NET" bind 4245
	expect connect_none_allowed EACCES "$APPLY" -C -- "$NET" connect 4242
	expect bind_unrestricted_when_only_connect ok "$APPLY" -C -- "$NET" bind 4246
	expect fs_only_leaves_net_alone ECONNREFUSED "$APPLY" "${BASE[@]}" -- "$NET" connect 4244
else
	echo "skip network cases: ABI $abi < 4"
fi
# Through wrap: a rule path that does not exist and /dev/stdout on a pipe (no
# file to grant) are left out of the ruleset; the command still starts.
if [ -n "${AGENTSH:-}" ] && "$AGENTSH" wrap --mode landlock -- true 2>/dev/null; then
	cat >"$T"/p.yaml <<EOP
version: 1
name: ll-skip
file_rules:
  - {name: w, paths: ["$T/rw/**", "/nonexistent-agentsh-test/**"], operations: ["*"], decision: allow}
  - {name: dev, paths: [/dev/null, /dev/stdout], operations: ["*"], decision: allow}
command_rules:
  - {name: all, commands: ["*"], decision: allow}
EOP
	out=$("$AGENTSH" wrap --mode landlock --policy "$T"/p.yaml -- /bin/echo started 2>&1 | cat)
	if [ "$out" = started ]; then
		echo "ok wrap_skips_missing_and_pipe_paths"
	else
		echo "FAIL wrap_skips_missing_and_pipe_paths: $out"
		fail=1
	fi
fi
exit $fail
