#!/bin/bash
# Transparency test: `agentsh wrap -- CMD` is invisible in CMD's results. Exit
# codes pass through, death by signal N gives 128+N, binary stdin arrives
# intact, stdout and stderr stay separate and untouched, the controlling
# terminal is still the command's, and SIGTERM/SIGINT/SIGHUP sent to agentsh
# reach the command. Every check also runs natively, so a failure natively is
# reported as a broken harness rather than blamed on agentsh.
# Usage: test_transparency.sh [WRAP-OPTION...]. Env: AGENTSH, PROGS.
set -u
ulimit -c 0
set -m # background jobs keep default SIGINT/SIGQUIT (bash ignores them otherwise)

WRAP_OPTS=("$@")
LABEL="transparency${WRAP_OPTS[*]:+ (${WRAP_OPTS[*]})}"
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }

: "${AGENTSH:?AGENTSH must point to the agentsh binary}"
: "${PROGS:?PROGS must point to the helper program directory}"
command -v strace >/dev/null && { strace -qq -o /dev/null /bin/true 2>/dev/null ||
	skip "ptrace is not permitted here (strace fails)"; }

WORK=$(mktemp -d /tmp/agentsh-transp.XXXXXX) || fail "mktemp"
trap 'rm -rf "$WORK"' EXIT
EV="$WORK/events.jsonl"
FAILED=()
check() { # DESCRIPTION EXPECTED ACTUAL
	if [ "$2" = "$3" ]; then
		echo "ok   $1"
	else
		echo "FAIL $1: expected '$2', got '$3'"
		FAILED+=("$1")
	fi
}
WRAP_CMD=("$AGENTSH" wrap "${WRAP_OPTS[@]}" --events "$EV" --)
wrap() { "${WRAP_CMD[@]}" "$@"; }

echo "== $LABEL =="

# Exit codes and deaths by signal.
for code in 0 1 42 255; do
	wrap /bin/sh -c "exit $code"
	check "exit status $code" "$code" "$?"
done
for sig in KILL SEGV TERM; do
	n=$(kill -l "$sig")
	/bin/sh -c "kill -$sig \$\$"
	check "native harness: sh killed by SIG$sig" "$((128 + n))" "$?"
	wrap /bin/sh -c "kill -$sig \$\$"
	check "death by SIG$sig (kill) gives 128+$n" "$((128 + n))" "$?"
done
"$PROGS/prog_tr_segv"
check "native harness: real segfault" 139 "$?"
wrap "$PROGS/prog_tr_segv"
check "death by a real SIGSEGV gives 139" 139 "$?"
wrap /usr/bin/python3.11 -c 'import os, signal; os.kill(os.getpid(), signal.SIGKILL)'
check "python killing itself with SIGKILL gives 137" 137 "$?"

# Binary stdin, through a redirect and through a pipe; stdout binary-exact.
head -c 4194304 /dev/urandom >"$WORK/in.bin"
want=$(sha256sum <"$WORK/in.bin" | cut -d' ' -f1)
wrap /bin/cat <"$WORK/in.bin" >"$WORK/out.bin"
check "binary stdin from a file, sha256 of stdout" "$want" "$(sha256sum <"$WORK/out.bin" | cut -d' ' -f1)"
got=$(cat "$WORK/in.bin" | wrap /bin/cat | sha256sum | cut -d' ' -f1)
check "binary stdin through a pipe, sha256 of stdout" "$want" "$got"
got=$(wrap /bin/sh -c 'head -c 1000 >/dev/null; cat' <"$WORK/in.bin" | sha256sum | cut -d' ' -f1)
check "stdin shared with a child: the rest arrives" \
	"$(tail -c +1001 "$WORK/in.bin" | sha256sum | cut -d' ' -f1)" "$got"
printf 'no newline at end' | wrap /bin/cat >"$WORK/o"
check "stdin without trailing newline" "no newline at end" "$(cat "$WORK/o")"
wrap /bin/cat </dev/null >"$WORK/o"
check "empty stdin gives empty stdout" 0 "$(stat -c %s "$WORK/o")"

# stdout and stderr separate and untouched (nothing of agentsh's own).
script='printf "out1\n"; printf "err1\n" >&2; printf "out2\n"; printf "err2\n" >&2; exit 3'
wrap /bin/sh -c "$script" >"$WORK/o" 2>"$WORK/e"
check "stdout/stderr: exit status" 3 "$?"
check "stdout holds exactly the command's stdout" "$(printf 'out1\nout2')" "$(cat "$WORK/o")"
check "stderr holds exactly the command's stderr" "$(printf 'err1\nerr2')" "$(cat "$WORK/e")"
"$AGENTSH" wrap "${WRAP_OPTS[@]}" -- /bin/sh -c "$script" >"$WORK/o" 2>"$WORK/e"
check "without --events: stdout untouched" "$(printf 'out1\nout2')" "$(cat "$WORK/o")"
check "without --events: stderr untouched" "$(printf 'err1\nerr2')" "$(cat "$WORK/e")"
wrap /bin/sh -c 'exec 3>&1; echo three >&3' >"$WORK/o"
check "inherited fd 1 duplicated by the command" three "$(cat "$WORK/o")"
fds='for f in /proc/$$/fd/*; do printf "%s=%s " "${f##*/}" "$(readlink "$f" | sed "s/:\[.*//")"; done'
check "the command gets exactly the fds it would get natively" "$(env /bin/sh -c "$fds")" \
	"$(wrap /bin/sh -c "$fds")"

# Controlling terminal: the command still has it (run inside a pty by script(1)).
if command -v script >/dev/null; then
	cat >"$WORK/tty.sh" <<'EOF'
test -t 0 && test -t 1 && test -t 2 && echo tty
awk '{ print ($7 != 0) ? "ctty" : "no-ctty" }' /proc/$$/stat
EOF
	native=$(script -qec "/bin/sh $WORK/tty.sh" /dev/null </dev/null | tr -d '\r' | paste -sd' ')
	check "native harness: tty and controlling terminal under script(1)" "tty ctty" "$native"
	got=$(script -qec "$AGENTSH wrap ${WRAP_OPTS[*]} --events $EV -- /bin/sh $WORK/tty.sh" /dev/null \
		</dev/null | tr -d '\r' | paste -sd' ')
	check "stdio are ttys and the controlling terminal is kept" "tty ctty" "$got"
else
	echo "skip controlling terminal: script(1) is not installed"
fi

# Signals sent to agentsh reach the command.
# The runner is started directly as the background job, so $! is agentsh itself.
signal_case() { # SIGNAL MODE(handler|default) RUNNER...: "status output" into $WORK/sig.res
	local sig=$1 mode=$2 pid rc i
	shift 2
	rm -f "$WORK/ready"
	"$@" "$PROGS/prog_tr_sigwait" "$WORK/ready" "$mode" >"$WORK/sig.out" 2>&1 &
	pid=$!
	for ((i = 0; i < 200; i++)); do
		[ -s "$WORK/ready" ] && break
		sleep 0.05
	done
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	echo "$rc $(cat "$WORK/sig.out")" >"$WORK/sig.res"
}
for sig in TERM INT HUP; do
	n=$(kill -l "$sig")
	signal_case "$sig" handler env
	check "native harness: SIG$sig caught" "$((10 + n)) got SIG$sig" "$(cat "$WORK/sig.res")"
	signal_case "$sig" handler "${WRAP_CMD[@]}"
	check "SIG$sig to agentsh reaches the command's handler" "$((10 + n)) got SIG$sig" \
		"$(cat "$WORK/sig.res")"
	signal_case "$sig" default "${WRAP_CMD[@]}"
	check "SIG$sig to agentsh kills a command without handler: 128+$n" "$((128 + n)) " \
		"$(cat "$WORK/sig.res")"
done

# SIGPIPE: the command gets the disposition agentsh was given (default: killed,
# 141; ignored: EPIPE), and a closed events reader stops agentsh with a message
# and 125 instead of killing it silently.
check "SIGPIPE default reaches the command" "141" \
	"$("${WRAP_CMD[@]}" bash -c 'yes | head -1 >/dev/null; echo ${PIPESTATUS[0]}')"
check "SIGPIPE ignored reaches the command" "1" \
	"$(trap '' PIPE; "${WRAP_CMD[@]}" bash -c 'yes 2>/dev/null | head -1 >/dev/null; echo ${PIPESTATUS[0]}')"
"$AGENTSH" wrap "${WRAP_OPTS[@]}" --events - -- sh -c 'for i in 1 2 3 4 5 6 7 8; do cat /etc/hostname; done >/dev/null' \
	2>"$WORK/sink.err" | head -c 1 >/dev/null
check "a closed events reader: exit 125" "125" "${PIPESTATUS[0]}"
check "a closed events reader: said so" "1" "$(grep -c 'cannot write events' "$WORK/sink.err")"

# Names the tracer cannot write down, which the kernel resolves itself: a
# removed cwd ("." still opens) and a cwd deeper than PATH_MAX.
mkdir "$WORK/gone" && native=$(cd "$WORK/gone" && rmdir "$WORK/gone" && ls -a 2>&1; echo "rc=$?")
mkdir "$WORK/gone" && got=$(cd "$WORK/gone" && rmdir "$WORK/gone" && wrap ls -a 2>&1; echo "rc=$?")
check "a removed cwd: ls -a as natively" "$native" "$got"
deep='d=$(printf "d%.0s" $(seq 200)); for i in $(seq 25); do mkdir $d && cd $d || exit 9; done;
touch x && ls && rm x && /bin/pwd | wc -c'
rm -rf "$WORK/deep" && mkdir "$WORK/deep" && native=$(cd "$WORK/deep" && bash -c "$deep" 2>&1; echo "rc=$?")
rm -rf "$WORK/deep" && mkdir "$WORK/deep" && got=$(cd "$WORK/deep" && wrap bash -c "$deep" 2>&1; echo "rc=$?")
check "a cwd deeper than PATH_MAX: create, list, remove as natively" "$native" "$got"
rm -rf "$WORK/deep"

if [ ${#FAILED[@]} -ne 0 ]; then
	fail "$LABEL: ${#FAILED[@]} check(s) failed: ${FAILED[*]}"
fi
echo "PASS: $LABEL"
