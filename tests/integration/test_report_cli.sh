#!/bin/bash
# agentsh report without a server: from an events file (fixture, then a real `agentsh wrap
# --events` run under a policy), both levels, --output, and the errors a user can make.
set -u
fail=0
check() { # check NAME EXIT-STATUS-OF-CONDITION
	if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# --- fixture ---
cat >"$T/ev.jsonl" <<'EOF'
{"type":"ptrace_execve","session_id":"fx","timestamp":"2026-01-01T10:00:00.000Z","pid":5,"filename":"/usr/bin/cat","argv":["cat","/home/u/.ssh/id_rsa"],"policy":{"decision":"allow","effective_decision":"allow","rule":"allow-cmds"}}
{"type":"ptrace_file","session_id":"fx","timestamp":"2026-01-01T10:00:01.000Z","pid":5,"path":"/home/u/.ssh/id_rsa","operation":"open","policy":{"decision":"deny","effective_decision":"deny","rule":"deny-ssh"}}
{"type":"ptrace_file","session_id":"fx","timestamp":"2026-01-01T10:00:02.000Z","pid":5,"path":"/etc/cron.d/x","operation":"create","policy":{"decision":"allow","effective_decision":"allow","rule":"too-broad"}}
{"type":"ptrace_network","session_id":"fx","timestamp":"2026-01-01T10:00:03.000Z","pid":5,"remote":"127.0.0.2:9","operation":"connect","policy":{"decision":"approve","effective_decision":"deny","rule":"ask-net"}}
EOF
"$AGENTSH" report --from "$T/ev.jsonl" --workspace /ws >"$T/r1" 2>"$T/e1"; check summary_exit $?
grep -q '^- \*\*Session:\*\* `fx`$' "$T/r1"; check session_from_events $?
grep -q '^| deny | 1 |$' "$T/r1" && grep -q '^| approve | 1 |$' "$T/r1"; check decision_summary $?
grep -q '^### Denied operations (2)$' "$T/r1"; check denied_count $?
grep -qF -- '- **files** `open /home/u/.ssh/id_rsa` by `cat` — rule `deny-ssh`' "$T/r1"; check denied_line $?
grep -qF -- '`connect 127.0.0.2:9` by `cat` — rule `ask-net` — denied' "$T/r1"; check approval_denied_line $?
sed -n '/^#### Writes outside the workspace (1)$/,/^####/p' "$T/r1" | grep -qF '`create /etc/cron.d/x`'
check write_outside_workspace $?
! grep -q '^## Timeline' "$T/r1"; check summary_has_no_timeline $?

"$AGENTSH" report --from "$T/ev.jsonl" --level detailed --output "$T/r2.md" >"$T/o2" 2>&1; check detailed_exit $?
[ ! -s "$T/o2" ] && grep -q '^## Timeline$' "$T/r2.md"; check output_file_written $?
[ "$(sed -n '/^## Timeline/,$p' "$T/r2.md" | grep -c '^| [0-9]')" -eq 4 ]; check timeline_one_row_per_event $?
"$AGENTSH" report --from - <"$T/ev.jsonl" | grep -q 'Denied operations (2)'; check from_stdin $?

# --- usage errors and an unreachable server ---
"$AGENTSH" report >/dev/null 2>&1; [ $? -eq 2 ]; check no_session_is_usage_error $?
"$AGENTSH" report x --level verbose >/dev/null 2>&1; [ $? -eq 2 ]; check bad_level_is_usage_error $?
"$AGENTSH" report x --from "$T/ev.jsonl" >/dev/null 2>&1; [ $? -eq 2 ]; check sid_and_from_is_usage_error $?
"$AGENTSH" report "../etc" >/dev/null 2>&1; [ $? -ne 0 ]; check bad_session_id_refused $?
AGENTSH_NO_AUTO=1 "$AGENTSH" --server http://127.0.0.1:1 report latest >"$T/o3" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -qi "agentsh server" "$T/o3"; check unreachable_server_explained $?
"$AGENTSH" report --from "$T/missing.jsonl" >"$T/o4" 2>&1; [ $? -eq 1 ] && grep -q "missing.jsonl" "$T/o4"
check missing_file_explained $?

# --- a real run under the tracer ---
if "$AGENTSH" wrap -- true 2>&1 | grep -q "not implemented"; then
	echo "skip real_run (agentsh wrap is not implemented in this build)"
	exit $fail
fi
mkdir -p "$T/ws"
echo secret >"$T/secret"
cat >"$T/p.yaml" <<EOF
version: 1
name: report-test
command_rules:
  - name: all
    decision: allow
file_rules:
  - name: no-secret
    paths: ['$T/secret']
    decision: deny
  - name: anywhere-in-t
    paths: ['$T/**', '/dev/null']
    decision: allow
EOF
(cd "$T/ws" && "$AGENTSH" wrap --policy "$T/p.yaml" --events "$T/real.jsonl" -- \
	sh -c "cat $T/secret; echo x > $T/outside.txt; echo y > inside.txt; true") >/dev/null 2>&1
"$AGENTSH" report --from "$T/real.jsonl" --workspace "$T/ws" --level detailed >"$T/r3" 2>&1
check real_report_exit $?
grep -qF "\`open $T/secret\` by \`cat\` — rule \`no-secret\`" "$T/r3"; check real_denied_read $?
sed -n '/^#### Writes outside the workspace/,/^####/p' "$T/r3" | grep -qF "$T/outside.txt"
check real_write_outside $?
! sed -n '/^#### Writes outside the workspace/,/^####/p' "$T/r3" | grep -qF "inside.txt"
check real_write_inside_not_flagged $?
[ "$(sed -n '/^## Timeline/,$p' "$T/r3" | grep -c '^| [0-9]')" -eq "$(grep -c . "$T/real.jsonl")" ]
check real_timeline_complete $?
exit $fail
