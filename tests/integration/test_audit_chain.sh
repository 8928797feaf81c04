#!/usr/bin/env bash
# The audit log end to end through the CLI: lines written by `agentsh audit append`
# are checked against an independent oracle (a Go-like canonical encoder and HMAC in
# python3, and openssl), then tampered with; `audit verify` must name the first bad
# sequence. Also restart continuation, a crash-torn tail, rotation, chain reset.
set -u
: "${AGENTSH:?AGENTSH must point at the agentsh binary}"
PY=$(command -v python3.11 || command -v python3 || true)
[ -n "$PY" ] || { echo "skip: python3 is needed for the independent oracle"; exit 77; }
command -v openssl >/dev/null || { echo "skip: openssl is needed for the HMAC cross-check"; exit 77; }

T=$(mktemp -d /tmp/test_audit_chain.XXXXXX)
trap 'rm -rf "$T"' EXIT
LOG=$T/logs/audit.jsonl
KEYTEXT='k3y-0123456789abcdef0123456789abcdef-XYZ'
printf '  %s\n\n' "$KEYTEXT" >"$T/key"
fails=0

fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# run NAME EXPECTED_EXIT CMD...: runs, records output in $T/out, checks the exit status.
run() {
	local name=$1 want=$2; shift 2
	"$@" >"$T/out" 2>&1
	local rc=$?
	if grep -qF "$KEYTEXT" "$T/out"; then fail "$name: the key appears in the output"; fi
	if [ "$rc" != "$want" ]; then fail "$name: exit $rc, wanted $want"; sed 's/^/    /' "$T/out"; return 1; fi
	ok "$name"
}
expect_out() { # NAME PATTERN: the last run's output matches
	if grep -qE -- "$2" "$T/out"; then ok "$1"; else fail "$1: no /$2/ in:"; sed 's/^/    /' "$T/out"; fi
}
verify() { "$AGENTSH" audit verify "$LOG" --key-file "$T/key" "$@"; }
append() { "$AGENTSH" audit append "$LOG" --key-file "$T/key" "$@"; }

# Events exercising canonicalisation: key order, HTML characters, U+2028, control
# characters, numbers kept as written, big integers, duplicate keys, nesting, unicode.
"$PY" - "$T/events.jsonl" <<'EOF'
import sys
lines = [
    r'{"type":"ptrace_execve","pid":42,"argv":["sh","-c","echo <b>&amp;</b>"],"depth":0}',
    r'{"z":1.0,"a":1E+2,"m":12345678901234567890,"n":-0.5e-7,"type":"numbers"}',
    r'{"type":"dup","k":1,"k":{"x":2},"k":"last"}',
    r'{"type":"nested","policy":{"rule":"r","decision":"deny","approval":{"mode":"x","id":null}},"fields":{}}',
    '{"type":"unicode","path":"/tmp/\u65e5\u672c/\u00e9","sep":"\u2028\u2029","ctl":"\\u0001\\u001f\\t\\n"}',
    r'{"type":"escapes","s":"\ud83d\ude00 \u00e9 \/ \"q\" \\ \b\f"}',
    r'{"type":"empty","a":[],"o":{},"t":true,"f":false,"n":null}',
]
with open(sys.argv[1], "w", encoding="utf-8") as f:
    for l in lines:
        f.write(l + "\n")
    f.write("\n")  # blank lines are skipped
EOF
printf '{"type":"bad_utf8","s":"a\377b\303"}\n' >>"$T/events.jsonl"
for i in $(seq 0 11); do
	printf '{"type":"ptrace_file","pid":%d,"path":"/work/f%d","operation":"open","decision":"allow"}\n' "$i" "$i"
done >>"$T/events.jsonl"

run "append writes the events" 0 append <"$T/events.jsonl"
expect_out "append reports the count" "appended 20 entries, last sequence 19"
run "verify accepts the untouched log" 0 verify
expect_out "verify summary" "ok: verified 20 entries across 1 files"

# Independent oracle: Go's encoding/json re-encoding and the HMAC chain in python.
cat >"$T/oracle.py" <<'EOF'
import hashlib, hmac, json, sys

class Num(str):
    pass

def enc_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append('\\' + ch)
        elif ch in '\b\f\n\r\t':
            out.append({'\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t'}[ch])
        elif o < 0x20 or ch in '<>&' or o in (0x2028, 0x2029):
            out.append('\\u%04x' % o)
        else:
            out.append(ch)
    out.append('"')
    return ''.join(out)

def enc(v):
    if isinstance(v, Num):
        return str(v)
    if v is True:
        return 'true'
    if v is False:
        return 'false'
    if v is None:
        return 'null'
    if isinstance(v, str):
        return enc_str(v)
    if isinstance(v, list):
        return '[' + ','.join(enc(x) for x in v) + ']'
    keys = sorted(v, key=lambda k: k.encode('utf-8', 'surrogatepass'))
    return '{' + ','.join(enc_str(k) + ':' + enc(v[k]) for k in keys) + '}'

def parse(line):
    return json.loads(line, parse_float=Num, parse_int=Num, parse_constant=None)

key = open(sys.argv[1], 'rb').read().strip()
algo = hashlib.sha512 if sys.argv[3] == 'hmac-sha512' else hashlib.sha256
prev, want_seq = '', 0
for n, raw in enumerate(open(sys.argv[2], 'rb').read().split(b'\n'), 1):
    if not raw.strip():
        continue
    line = raw.decode('utf-8')          # written lines must be valid UTF-8
    obj = parse(line)
    meta = obj.pop('integrity')
    payload = enc(obj)
    # The written line is itself canonical, with integrity in Go's struct field order.
    meta_text = '{"format_version":2,"sequence":%d,"prev_hash":%s,"entry_hash":%s}' % (
        int(meta['sequence']), enc_str(meta['prev_hash']), enc_str(meta['entry_hash']))
    obj['integrity'] = Num(meta_text)
    assert line == enc(obj), 'line %d not canonical:\n%s\n%s' % (n, line, enc(obj))
    assert int(meta['format_version']) == 2 and int(meta['sequence']) == want_seq, n
    assert meta['prev_hash'] == prev, 'line %d prev_hash' % n
    msg = ('2|%d|%s|' % (want_seq, prev)).encode() + payload.encode('utf-8')
    mac = hmac.new(key, msg, algo).hexdigest()
    assert mac == meta['entry_hash'], 'line %d hmac %s != %s' % (n, mac, meta['entry_hash'])
    prev, want_seq = mac, want_seq + 1
    if n == 1:
        open(sys.argv[4], 'wb').write(msg)
print('oracle ok: %d entries' % want_seq)
EOF
run "python oracle agrees with every line (canonical form, sequence, prev_hash, HMAC)" 0 \
	"$PY" "$T/oracle.py" "$T/key" "$LOG" hmac-sha256 "$T/msg1"
H1=$(openssl dgst -sha256 -hmac "$KEYTEXT" <"$T/msg1" | sed 's/.*= //')
if head -1 "$LOG" | grep -q "\"entry_hash\":\"$H1\""; then ok "openssl HMAC of entry 0 matches"; else fail "openssl HMAC $H1 not in line 1"; fi
if grep -q $'"s":"a\xef\xbf\xbdb\xef\xbf\xbd"' "$LOG"; then ok "invalid UTF-8 written as U+FFFD"; else fail "invalid UTF-8 not replaced"; fi
grep -q '"k":"last"' "$LOG" && ok "duplicate key keeps the last value" || fail "duplicate key"
grep -q '"a":1E+2,"integrity"' "$LOG" && ok "numbers copied as written" || fail "number text changed"

# A reformatted but equal line (other key order, spaces, \u escapes) still verifies.
cp "$LOG" "$T/orig"
"$PY" - "$LOG" <<'EOF'
import json, sys
lines = open(sys.argv[1], encoding='utf-8').read().split('\n')
obj = json.loads(lines[4])
lines[4] = json.dumps(dict(reversed(list(obj.items()))), ensure_ascii=True, indent=None)
open(sys.argv[1], 'w', encoding='utf-8').write('\n'.join(lines))
EOF
run "reformatted equal line verifies" 0 verify

tamper() { # NAME EXPECTED_SEQ PATTERN PYTHON-EDIT
	cp "$T/orig" "$LOG"
	"$PY" -c "import sys
L = open(sys.argv[1], 'rb').read().split(b'\n')
$4
open(sys.argv[1], 'wb').write(b'\n'.join(L))" "$LOG"
	run "$1: verify fails" 1 verify
	expect_out "$1: names sequence $2" "sequence $2 .*$3"
}
tamper "edited field" 3 "hash mismatch" "L[3] = L[3].replace(b'\"deny\"', b'\"allow\"')"
tamper "edited integrity sequence" 5 "sequence mismatch" "L[5] = L[5].replace(b'\"sequence\":5', b'\"sequence\":6')"
tamper "reordered lines" 9 "sequence mismatch: expected 9, got 10" "L[9], L[10] = L[10], L[9]"
tamper "deleted line" 12 "expected 12, got 13" "del L[12]"
tamper "inserted copy" 8 "expected 8, got 7" "L.insert(8, L[7])"
tamper "forged prev_hash" 2 "chain broken" "import re; L[2] = re.sub(rb'\"prev_hash\":\"[0-9a-f]+\"', b'\"prev_hash\":\"' + b'0'*64 + b'\"', L[2])"
tamper "malformed middle line" 6 "malformed JSON" "L[6] = L[6][:40]"
tamper "unsigned line" 4 "unsigned" "L.insert(4, b'{\"type\":\"x\"}')"
cp "$T/orig" "$LOG"

run "wrong algorithm fails" 1 verify --algorithm hmac-sha512
printf 'another-key-0123456789abcdef0123456789\n' >"$T/key2"
run "wrong key fails at sequence 0" 1 "$AGENTSH" audit verify "$LOG" --key-file "$T/key2"
expect_out "wrong key names sequence 0" "sequence 0 .*hash mismatch"
printf 'short\n' >"$T/short"
run "short key is a usage error" 2 "$AGENTSH" audit verify "$LOG" --key-file "$T/short"
run "missing key is a usage error" 2 "$AGENTSH" audit verify "$LOG"
run "unknown algorithm is a usage error" 2 verify --algorithm md5
run "missing log is an error" 2 "$AGENTSH" audit verify "$T/nope.jsonl" --key-file "$T/key"
AUDIT_TEST_KEY=$KEYTEXT run "key from the environment" 0 "$AGENTSH" audit verify "$LOG" --key-env AUDIT_TEST_KEY
run "from-sequence starts mid-chain" 0 verify --from-sequence 15
expect_out "from-sequence summary" "verified 5 entries"

# A crash mid-write leaves a torn last line: truncation, not corruption.
head -c -25 "$T/orig" >"$LOG"
run "torn last line fails plain verify" 1 verify
expect_out "torn last line is reported as truncation at sequence 19" "sequence 19 .*truncated final line"
run "torn last line accepted with --tolerate-truncation" 0 verify --tolerate-truncation
expect_out "truncation warning" "truncated final line at .*:20 ignored"
# Restart: the writer cuts the torn tail, records it, and continues the chain.
printf '{"type":"after_restart"}\n' >"$T/more"
run "append after a crash" 0 append <"$T/more"
run "log verifies after restart" 0 verify
expect_out "torn record noted" "1 torn lines"
run "status after restart" 0 "$AGENTSH" audit chain status "$LOG" --key-file "$T/key"
expect_out "status shows the last sequence" "last_sequence: 20"
expect_out "status checks the last entry" "last_entry_verifies: yes"
if grep -q '"type":"audit_log_torn_tail"' "$LOG" && grep -q '"torn_sha256"' "$LOG"; then ok "torn tail recorded"; else fail "no torn tail record"; fi
run "oracle agrees after restart" 0 "$PY" "$T/oracle.py" "$T/key" "$LOG" hmac-sha256 "$T/msg1"

# chain reset: a new chain in the same file, linked to the old one.
run "chain reset" 0 "$AGENTSH" audit chain reset "$LOG" --key-file "$T/key" --reason "drill"
expect_out "reset output" "sequence 0 \(previous chain ended at 20\)"
run "append after reset" 0 append <"$T/more"
run "verify after reset" 0 verify
expect_out "verify counts the rotation" "chain rotations: 1"
cp "$LOG" "$T/reset"
"$PY" -c "import sys,re
p=sys.argv[1]; t=open(p,'rb').read()
t=t.replace(b'\"last_sequence_seen_in_log\":20', b'\"last_sequence_seen_in_log\":19')
open(p,'wb').write(t)" "$LOG"
run "a boundary that misstates the prior chain fails" 1 verify
expect_out "boundary failure" "sequence 0 .*rotation boundary"

# Rotation by size: LOG.1 holds the old chain, LOG starts at sequence 0.
rm -rf "$T/logs"
"$PY" -c "
import json
for i in range(14):
    print(json.dumps({'type':'big','i':i,'blob':'x'*150000}))" >"$T/big"
run "append with rotation" 0 append --max-size-mb 1 --max-backups 3 <"$T/big"
[ -f "$LOG.1" ] && ok "backup LOG.1 exists" || fail "no LOG.1"
head -1 "$LOG" | grep -q '"type":"integrity_chain_rotated"' && ok "new file starts with integrity_chain_rotated" || fail "rotation entry"
head -1 "$LOG" | grep -q '"sequence":0,"prev_hash":""' && ok "rotation entry is sequence 0" || fail "rotation sequence"
run "rotated set verifies" 0 verify
expect_out "rotated summary" "across 2 files"
run "oracle agrees with the new file" 0 "$PY" "$T/oracle.py" "$T/key" "$LOG" hmac-sha256 "$T/msg1"
run "append more rotations" 0 append --max-size-mb 1 --max-backups 3 <"$T/big"
run "verify three files" 0 verify
expect_out "three files" "across [34] files"
mv "$LOG.1" "$T/gone"
run "a missing backup fails" 1 verify
expect_out "missing backup" "missing"
mv "$T/gone" "$LOG.1"
"$PY" -c "import sys
p=sys.argv[1]; t=open(p,'rb').read().split(b'\n'); t[1]=t[1].replace(b'\"i\":', b'\"i\":1'); open(p,'wb').write(b'\n'.join(t))" "$LOG.1"
run "tampered backup fails" 1 verify
expect_out "tampered backup named" "audit.jsonl.1:2"

# SHA-512 chain.
rm -rf "$T/logs"
run "append sha512" 0 append --algorithm hmac-sha512 <"$T/events.jsonl"
run "verify sha512" 0 verify --algorithm hmac-sha512
run "oracle sha512" 0 "$PY" "$T/oracle.py" "$T/key" "$LOG" hmac-sha512 "$T/msg1"
H1=$(openssl dgst -sha512 -hmac "$KEYTEXT" <"$T/msg1" | sed 's/.*= //')
head -1 "$LOG" | grep -q "\"entry_hash\":\"$H1\"" && ok "openssl HMAC-SHA512 of entry 0 matches" || fail "openssl sha512"
run "sha256 verify of a sha512 log fails" 1 verify

printf 'not json\n' >"$T/bad"
run "append rejects a non-JSON line" 1 append <"$T/bad"

if [ "$fails" -ne 0 ]; then echo "$fails checks failed"; exit 1; fi
echo "all audit chain checks passed"
