#!/usr/bin/env bash
# GET /api/v1/sessions/{id}/pty (WebSocket) with a real server, the real CLI and a strict
# Python WebSocket client: the command sees a terminal of the requested size, resize and
# SIGWINCH reach it, exit codes and denials pass through, piped stdin works, protocol
# violations close with the right code, a vanished client's command is killed.
set -u
: "${AGENTSH:?AGENTSH must point at the agentsh binary}"
command -v curl >/dev/null || { echo "skip: curl is needed"; exit 77; }
command -v jq >/dev/null || { echo "skip: jq is needed"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 is needed"; exit 77; }
"$AGENTSH" wrap -- true 2>/dev/null || { echo "skip: agentsh wrap cannot trace here (ptrace refused?)"; exit 77; }

T=$(mktemp -d /tmp/test_server_pty.XXXXXX)
SRV_PID=
cleanup() { [ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else fail "$name"; fi; }

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
export AGENTSH_SERVER=$URL AGENTSH_DATA_DIR=$T/data AGENTSH_NO_AUTO=1
mkdir -p "$T/pol" "$T/ws"
cat >"$T/pol/default.yaml" <<YAML
version: 1
name: default
command_rules:
  - {name: deny-rm, commands: [rm], decision: deny, message: "rm is not allowed here"}
  - {name: allow-rest, commands: ["*"], decision: allow}
file_rules:
  - {name: allow-rest, paths: ["**"], operations: ["*"], decision: allow}
YAML
cat >"$T/config.yaml" <<YAML
server:
  http:
    addr: 127.0.0.1:$PORT
policies:
  dir: $T/pol
YAML
cat >"$T/wsc.py" <<'PY'
# Minimal strict WebSocket client for the /pty tests: python3 wsc.py URL SCENARIO
import base64, hashlib, json, os, socket, struct, sys, time

def connect(url, headers=None, version="13"):
    host, port, path = url
    s = socket.create_connection((host, port), timeout=15)
    key = base64.b64encode(os.urandom(16)).decode()
    h = {"Host": f"{host}:{port}", "Upgrade": "websocket", "Connection": "Upgrade",
         "Sec-WebSocket-Key": key, "Sec-WebSocket-Version": version}
    h.update(headers or {})
    req = f"GET {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in h.items()) + "\r\n"
    s.sendall(req.encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        d = s.recv(4096)
        if not d:
            break
        buf += d
    head, _, rest = buf.partition(b"\r\n\r\n")
    status = int(head.split()[1])
    want = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
    hdrs = {l.split(":", 1)[0].lower(): l.split(":", 1)[1].strip() for l in head.decode().split("\r\n")[1:]}
    return s, status, hdrs, want, rest

def frame(op, payload, mask=True, fin=True, rsv=0):
    b0 = (0x80 if fin else 0) | rsv | op
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126: h = struct.pack("!BB", b0, m | n)
    elif n < 65536: h = struct.pack("!BBH", b0, m | 126, n)
    else: h = struct.pack("!BBQ", b0, m | 127, n)
    if not mask:
        return h + payload
    k = os.urandom(4)
    return h + k + bytes(c ^ k[i % 4] for i, c in enumerate(payload))

class Reader:
    def __init__(self, s, rest):
        self.s, self.buf = s, rest
    def need(self, n):
        while len(self.buf) < n:
            d = self.s.recv(65536)
            if not d:
                raise EOFError
            self.buf += d
        r, self.buf = self.buf[:n], self.buf[n:]
        return r
    def msg(self):
        b0, b1 = self.need(2)
        assert not (b1 & 0x80), "server frames must not be masked"
        n = b1 & 0x7f
        if n == 126: n = struct.unpack("!H", self.need(2))[0]
        elif n == 127: n = struct.unpack("!Q", self.need(8))[0]
        return b0 & 0x0f, self.need(n)

def collect(r, until_close=True, timeout=20):
    out, texts, close = b"", [], None
    end = time.time() + timeout
    while time.time() < end:
        try:
            op, p = r.msg()
        except (EOFError, ConnectionResetError):
            break
        if op == 2: out += p
        elif op == 1: texts.append(json.loads(p))
        elif op == 8:
            close = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else 1005
            break
    return out, texts, close

def start(s, **kw):
    kw.setdefault("type", "start")
    s.sendall(frame(1, json.dumps(kw).encode()))

def main():
    url = (sys.argv[1], int(sys.argv[2]), sys.argv[3])
    sc = sys.argv[4]
    res = {}
    if sc == "handshake-bad-version":
        s, st, h, want, rest = connect(url, version="8")
        res = {"status": st}
    elif sc == "resize":
        s, st, h, want, rest = connect(url)
        res["status"], res["accept_ok"] = st, h.get("sec-websocket-accept") == want
        r = Reader(s, rest)
        start(s, command="sh", args=["-c", "stty size; read x; stty size"], rows=33, cols=77)
        out = b""
        while b"33 77" not in out:
            op, p = r.msg()
            if op == 2: out += p
        s.sendall(frame(9, b"hi"))
        while True:
            op, p = r.msg()
            if op == 10:
                res["pong"] = p.decode()
                break
        s.sendall(frame(1, json.dumps({"type": "resize", "rows": 41, "cols": 99}).encode()))
        time.sleep(0.3)
        s.sendall(frame(2, b"go\r"))
        o2, texts, close = collect(r)
        res["out"] = (out + o2).decode(errors="replace")
        res["texts"], res["close"] = texts, close
    elif sc in ("binary-first", "unmasked", "oversized", "bad-start", "rsv", "bad-control"):
        s, st, h, want, rest = connect(url)
        r = Reader(s, rest)
        if sc == "binary-first": s.sendall(frame(2, b"ls\n"))
        elif sc == "unmasked": s.sendall(frame(1, b'{"command":"true"}', mask=False))
        elif sc == "rsv": s.sendall(frame(1, b'{"command":"true"}', rsv=0x40))
        elif sc == "oversized": s.sendall(frame(2, b"x" * (1 << 20 + 1)))
        elif sc == "bad-start": s.sendall(frame(1, b'{"command": '))
        elif sc == "bad-control":
            start(s, command="sh", args=["-c", "read x; echo done:$x"])
            s.sendall(frame(1, b'{"type":"resize","rows":"many"}'))
            s.sendall(frame(1, b'not json'))
            s.sendall(frame(2, b"ok\r"))
        out, texts, close = collect(r)
        res = {"status": st, "texts": texts, "close": close, "out": out.decode(errors="replace")}
    elif sc == "disconnect":
        s, st, h, want, rest = connect(url)
        r = Reader(s, rest)
        start(s, command="sh", args=["-c", "echo started; exec sleep 31.5"])
        out = b""
        while b"started" not in out:
            op, p = r.msg()
            if op == 2: out += p
        s.close()
        res = {"status": st}
    print(json.dumps(res))

main()
PY
# The CLI on a real terminal: python's pty, then a window size change + SIGWINCH.
cat >"$T/term.py" <<'PY'
import fcntl, os, pty, select, signal, struct, sys, termios, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 90, 0, 0))
out, resized, sent = b"", False, False
end = time.time() + 30
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            d = os.read(fd, 4096)
        except OSError:
            break
        if not d:
            break
        out += d
    if b"ready" in out and not resized:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 120, 0, 0))
        os.kill(pid, signal.SIGWINCH)
        resized = True
        t = time.time()
    if resized and not sent and time.time() - t > 0.5:
        os.write(fd, b"next\r")
        sent = True
_, st = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace").replace("\r", ""))
print("status=%d" % os.waitstatus_to_exitcode(st))
PY
ws() { python3 "$T/wsc.py" 127.0.0.1 "$PORT" "/api/v1/sessions/${2:-s1}/pty" "$1"; }

"$AGENTSH" server --config "$T/config.yaml" >"$T/server.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 50); do curl -sf "$URL/health" >/dev/null && break; sleep 0.1; done
curl -s -o /dev/null -X POST "$URL/api/v1/sessions" -d "{\"id\":\"s1\",\"workspace\":\"$T/ws\"}"
cd "$T/ws"

# --- the CLI, non-interactively ---
out=$(COLUMNS=132 LINES=50 "$AGENTSH" exec s1 --pty -- sh -c '[ -t 0 ] && [ -t 1 ] && [ -t 2 ] && echo TTY; stty size' | tr -d '\r')
check "CLI --pty: stdin/stdout/stderr are a terminal" test "$(echo "$out" | head -1)" = TTY
check "CLI --pty: size from COLUMNS/LINES" test "$(echo "$out" | tail -1)" = "50 132"
"$AGENTSH" exec s1 --pty -- sh -c 'exit 5' >/dev/null
check "CLI --pty: exit status passes through" test $? = 5
"$AGENTSH" exec s1 --pty -- rm x >/dev/null 2>"$T/deny.err"
check "CLI --pty: denied command exits 126" test $? = 126
check "CLI --pty: one-line reason" grep -q "^agentsh: blocked: rm is not allowed here (rule deny-rm)$" "$T/deny.err"
out=$(echo hello | "$AGENTSH" exec s1 --pty -- sh -c 'read a; echo "got:$a"' | tr -d '\r')
check "CLI --pty: piped stdin reaches the command" grep -qx "got:hello" <<<"$out"
check "CLI --pty --output json: exit message" test "$("$AGENTSH" exec s1 --pty --output json -- true | tr -d '\r' | tail -1 | jq -r '[.type,.exit_code]|join(",")')" = "exit,0"
"$AGENTSH" exec s1 --pty -- cat </dev/null >/dev/null
check "CLI --pty: EOF of piped stdin ends cat (^D)" test $? = 0

# --- the CLI on a real terminal: raw mode, size, SIGWINCH ---
python3 "$T/term.py" "$AGENTSH" exec s1 --pty -- sh -c 'stty size; echo ready; read x; stty size' >"$T/tty.out" 2>&1
check "CLI on a tty: the remote size is the local one" grep -qx "30 90" "$T/tty.out"
check "CLI on a tty: SIGWINCH resizes the remote terminal" grep -qx "45 120" "$T/tty.out"
check "CLI on a tty: exit 0" grep -qx "status=0" "$T/tty.out"

# --- the protocol, with a strict client ---
ws resize >"$T/r.json"
check "handshake: 101 with the right Sec-WebSocket-Accept" test "$(jq -r '[.status,.accept_ok]|join(",")' "$T/r.json")" = "101,true"
check "start rows/cols set the terminal size" grep -q '33 77' <(jq -r .out "$T/r.json")
check "resize message changes it" grep -q '41 99' <(jq -r .out "$T/r.json")
check "ping -> pong with the payload" test "$(jq -r .pong "$T/r.json")" = hi
check "exit message, then close 1000" test "$(jq -r '[.texts[-1].type,.texts[-1].exit_code,(.texts[-1].command_id|startswith("cmd-")),.close]|join(",")' "$T/r.json")" = "exit,0,true,1000"
check "binary before start -> error, close 1008" test "$(ws binary-first | jq -r '[.texts[0].type,.close]|join(",")')" = "error,1008"
check "bad start JSON -> error, close 1008" test "$(ws bad-start | jq -r '[.texts[0].code,.close]|join(",")')" = "E_INVALID_REQUEST,1008"
check "unmasked client frame -> close 1002" test "$(ws unmasked | jq -r .close)" = 1002
check "reserved bits -> close 1002" test "$(ws rsv | jq -r .close)" = 1002
check "2 MiB message -> close 1009" test "$(ws oversized | jq -r .close)" = 1009
ws bad-control >"$T/bc.json"
check "bad control messages -> error replies, command unharmed" test "$(jq -r '[(.texts|map(select(.type=="error"))|length),.texts[-1].type,.close]|join(",")' "$T/bc.json")" = "2,exit,1000"
check "input after bad controls still arrives" grep -q 'done:ok' <(jq -r .out "$T/bc.json")
check "wrong WebSocket version -> 426" test "$(ws handshake-bad-version | jq -r .status)" = 426
check "plain GET /pty -> 400 JSON" test "$(curl -s -w ',%{http_code}' "$URL/api/v1/sessions/s1/pty" | sed 's/.*"code":"\([A-Z_]*\)".*,/\1,/')" = "E_UPGRADE_REQUIRED,400"
check "unknown session -> 404" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Upgrade: websocket' -H 'Connection: Upgrade' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$URL/api/v1/sessions/nope/pty")" = 404
ws disconnect >/dev/null
for _ in $(seq 50); do pgrep -f 'sleep 31.5' >/dev/null || break; sleep 0.1; done
check "a vanished client's command is killed" test -z "$(pgrep -f 'sleep 31.5')"
check "the server is still healthy" test "$(curl -s "$URL/health")" = ok
check "pty commands are in the session history" test "$(curl -s "$URL/api/v1/sessions/s1/history?type=command_finished" | jq '.count >= 8')" = true

[ $fails -eq 0 ] && echo "all pty checks passed" || { echo "$fails check(s) failed"; cat "$T/server.log"; }
[ $fails -eq 0 ]
