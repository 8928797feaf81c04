#!/usr/bin/env bash
# The terminal approver: with no approver hook and a terminal on stdin,
# `agentsh wrap` asks on /dev/tty; y lets the held call proceed, n denies it.
set -u
. "$(dirname "$0")/lib.sh"
py=/usr/bin/python3.11
[ -x "$py" ] || skip "no $py"
d=$(mktemp -d /tmp/agentsh-tty-XXXXXX)
trap 'rm -rf "$d"' EXIT
mkdir -p "$d/ask"
cat >"$d/p.yaml" <<EOP
version: 1
name: tty
command_rules: [{name: all, commands: ["*"], decision: allow}]
file_rules:
  - {name: ask, paths: ["$d/ask/**"], operations: [write, create], decision: approve}
  - {name: rest, paths: ["/**"], operations: ["*"], decision: allow}
EOP
"$py" - "$AGENTSH" "$d" <<'EOP' || fail "tty approver: see above"
import os, pty, sys, time, select
agentsh, d = sys.argv[1], sys.argv[2]
def run(answer, name):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(agentsh, [agentsh, "wrap", "--policy", d + "/p.yaml", "--max-hold-ms", "20000",
                           "--", "sh", "-c", "echo data > %s/ask/%s; echo rc=$?" % (d, name)])
    out = b""; asked = False; end = time.time() + 15
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try: chunk = os.read(fd, 4096)
            except OSError: break
            if not chunk: break
            out += chunk
            if not asked and b"[y/N]" in out:
                os.write(fd, answer + b"\n"); asked = True
    os.waitpid(pid, 0)
    return asked, out.decode(errors="replace")
asked, out = run(b"y", "yes.txt")
assert asked, "no question on the terminal: " + out
assert "rc=0" in out and os.path.exists(d + "/ask/yes.txt"), "y did not let the write proceed: " + out
asked, out = run(b"n", "no.txt")
assert asked and "rc=" in out and "rc=0" not in out, "n did not deny: " + out
assert not os.path.exists(d + "/ask/no.txt"), "n wrote the file"
print("tty approver: y proceeds, n denies")
EOP
ok "terminal approver: question on /dev/tty, y proceeds, n denies"
pass
