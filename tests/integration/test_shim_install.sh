#!/bin/bash
# Shell shim end to end against a throwaway root (never the host's /bin): install-shell moves the
# real shells to *.real and installs agentsh-shell-shim; the shim passes everything through
# untouched (argv0, exit status, binary stdin) unless a tty, AGENTSH_SHIM_FORCE=1 or
# <root>/etc/agentsh/shim.conf force=true routes `sh -c` through `agentsh exec`; uninstall restores.
set -u
fail=0
check() { # check NAME EXIT-STATUS-OF-CONDITION
	if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
SHIM="${SHIM:-$(dirname "$AGENTSH")/agentsh-shell-shim}"
[ -x "$SHIM" ] || { echo "FAIL shim binary missing at $SHIM"; exit 1; }
[ -x "$(readlink -f /bin/dash)" ] || { echo "skip: the throwaway root is built from /bin/dash, absent here"; exit 77; }
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
R="$T/root"
mkdir -p "$R/bin" "$R/usr/bin" "$R/etc/agentsh"
cp "$(readlink -f /bin/dash)" "$R/bin/dash"
ln -s dash "$R/bin/sh"
cp "$(readlink -f /bin/bash)" "$R/usr/bin/bash"
ln -s ../usr/bin "$R/bin2" # a second name for usr/bin must not install twice

# A stand-in agentsh that records how it was called (the shim's routing contract).
printf '#!%s\nprintf "%%s\\n" "$@" > %s/routed\nexit 42\n' "$(readlink -f /bin/bash)" "$T" >"$T/fake-agentsh"
chmod +x "$T/fake-agentsh"

# --- refusal without a root, dry run ---
"$AGENTSH" shim install-shell >"$T/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "i-understand-this-modifies-the-host" "$T/out"; check host_refused_without_flag $?
"$AGENTSH" shim install-shell --root "$R" --shim "$SHIM" --bash --dry-run >"$T/out" 2>&1
grep -q "would move $R/bin/sh to $R/bin/sh.real" "$T/out" && [ -L "$R/bin/sh" ] && [ ! -e "$R/bin/sh.real" ]
check dry_run_changes_nothing $?
"$AGENTSH" shim install-shell --root "$R" --shim /bin/true >"$T/out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q "is not agentsh-shell-shim" "$T/out" && [ -L "$R/bin/sh" ]; check refuses_non_shim_binary $?

# --- install ---
"$AGENTSH" shim install-shell --root "$R" --shim "$SHIM" --bash >"$T/out" 2>&1; check install_exit $?
[ -L "$R/bin/sh.real" ] && [ "$(readlink "$R/bin/sh.real")" = dash ] && cmp -s "$SHIM" "$R/bin/sh"
check sh_moved_to_real $?
cmp -s "$SHIM" "$R/usr/bin/bash" && cmp -s "$(readlink -f /bin/bash)" "$R/usr/bin/bash.real"
check bash_moved_to_real $?
[ "$(grep -c "installed shim" "$T/out")" -eq 2 ]; check installed_once_per_shell $?
"$AGENTSH" shim status --root "$R" >"$T/status" 2>&1
grep -q "^$R/bin/sh: installed" "$T/status" && grep -q "^$R/usr/bin/bash: installed" "$T/status"
check status_installed $?
"$AGENTSH" shim install-shell --root "$R" --shim "$SHIM" >"$T/out" 2>&1
[ $? -eq 0 ] && grep -q "already installed" "$T/out"; check install_is_idempotent $?

# --- pass-through (no tty, no force) ---
out=$("$R/bin/sh" -c 'echo "$0|$1|$2"' zero one two </dev/null)
[ "$out" = "zero|one|two" ]; check passthrough_args $?
"$R/bin/sh" -c 'exit 7' </dev/null; [ $? -eq 7 ]; check passthrough_exit_status $?
out=$(cd "$R/bin" && ./sh -c 'echo $0' </dev/null)
[ "$out" = "./sh" ]; check passthrough_keeps_argv0 $?
head -c 300000 /dev/urandom >"$T/blob"
"$R/bin/sh" -c 'cat' <"$T/blob" | cmp -s - "$T/blob"; check passthrough_binary_stdin $?
"$R/usr/bin/bash" -lc 'echo "$BASH_VERSION"' </dev/null | grep -q '^[0-9]'; check passthrough_bash_lc $?
AGENTSH_BIN="$T/fake-agentsh" "$R/bin/sh" -c 'echo plain' </dev/null | grep -qx plain
[ $? -eq 0 ] && [ ! -e "$T/routed" ]; check no_route_without_tty_or_force $?

# --- forced routing ---
AGENTSH_SHIM_FORCE=1 AGENTSH_BIN="$T/fake-agentsh" "$R/bin/sh" -c 'echo hi' </dev/null; rc=$?
printf 'exec\n--argv0\n%s\n--\n%s\n-c\necho hi\n' "$R/bin/sh" "$R/bin/sh.real" >"$T/want"
[ $rc -eq 42 ] && cmp -s "$T/want" "$T/routed"; check force_env_routes_through_agentsh_exec $?
rm -f "$T/routed"
AGENTSH_SHIM_FORCE=1 AGENTSH_BIN="$T/fake-agentsh" "$R/usr/bin/bash" -lc 'true' </dev/null
grep -qx -- "-lc" "$T/routed" && grep -qx "$R/usr/bin/bash.real" "$T/routed"; check bash_lc_routed $?
rm -f "$T/routed"
AGENTSH_SHIM_FORCE=1 AGENTSH_IN_SESSION=1 AGENTSH_BIN="$T/fake-agentsh" "$R/bin/sh" -c 'exit 3' </dev/null
[ $? -eq 3 ] && [ ! -e "$T/routed" ]; check in_session_never_routes $?
echo 'exit 5' >"$T/script.sh"
AGENTSH_SHIM_FORCE=1 AGENTSH_BIN="$T/fake-agentsh" "$R/bin/sh" "$T/script.sh" </dev/null
[ $? -eq 5 ] && [ ! -e "$T/routed" ]; check script_without_c_not_routed $?
printf '# routing\nforce = true\nagentsh=%s\n' "$T/fake-agentsh" >"$R/etc/agentsh/shim.conf"
env -u AGENTSH_BIN "$R/bin/sh" -c 'echo conf' </dev/null; rc=$?
[ $rc -eq 42 ] && grep -qx "echo conf" "$T/routed"; check conf_force_routes $?
"$AGENTSH" shim status --root "$R" | grep -q "force=true"; check status_shows_force $?
rm -f "$T/routed" "$R/etc/agentsh/shim.conf"
AGENTSH_SHIM_FORCE=1 AGENTSH_BIN="$T/missing" "$R/bin/sh" -c 'echo leaked' </dev/null >"$T/out" 2>&1
[ $? -eq 127 ] && ! grep -q leaked "$T/out"; check missing_agentsh_fails_closed $?

# --- a terminal routes ---
if command -v script >/dev/null; then
	AGENTSH_BIN="$T/fake-agentsh" script -qec "$R/bin/sh -c 'echo tty'" /dev/null >/dev/null 2>&1
	grep -qx -- "--pty" "$T/routed" && grep -qx "echo tty" "$T/routed"; check tty_routes_with_pty $?
	rm -f "$T/routed"
else
	echo "skip tty_routes_with_pty (no script(1))"
fi

# --- uninstall ---
echo intruder >"$R/bin/sh.tmp"
"$AGENTSH" shim uninstall-shell --root "$R" --bash >"$T/out" 2>&1; check uninstall_exit $?
[ -L "$R/bin/sh" ] && [ "$(readlink "$R/bin/sh")" = dash ] && [ ! -e "$R/bin/sh.real" ]
check sh_restored $?
cmp -s "$(readlink -f /bin/bash)" "$R/usr/bin/bash" && [ ! -e "$R/usr/bin/bash.real" ]; check bash_restored $?
"$AGENTSH" shim status --root "$R" | grep -q "^$R/bin/sh: not installed"; check status_not_installed $?

# --- a .real that is not ours is never overwritten silently ---
cp "$(readlink -f /bin/dash)" "$R/bin/sh.real"
"$AGENTSH" shim install-shell --root "$R" --shim "$SHIM" >"$T/out" 2>&1; rc=$?
[ $rc -ne 0 ] && grep -q "not the shim" "$T/out" && [ -L "$R/bin/sh" ]; check existing_real_refused $?

# --- a root whose bin leads outside it is skipped ---
R2="$T/root2"
mkdir -p "$R2/usr"
ln -s "$T/outside" "$R2/bin"
mkdir -p "$T/outside" && cp "$(readlink -f /bin/dash)" "$T/outside/sh"
"$AGENTSH" shim install-shell --root "$R2" --shim "$SHIM" >"$T/out" 2>&1
cmp -s "$(readlink -f /bin/dash)" "$T/outside/sh" && [ ! -e "$T/outside/sh.real" ]
check symlink_out_of_root_not_followed $?

exit $fail
