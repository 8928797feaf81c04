#!/usr/bin/env bash
# agentsh policy validate|list|show|test|keygen|sign|verify, end to end.
set -u
A=${AGENTSH:-build/agentsh}
SRC=${AGENTSH_SRC:-.}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
export PROJECT_ROOT=/work/proj HOME=/home/u

check() { # name expected actual
	if [ "$2" = "$3" ]; then echo "ok   $1"; else echo "FAIL $1"; echo "  want: $2"; echo "  got:  $3"; fails=$((fails + 1)); fi
}

cat >"$T/p.yaml" <<'YAML'
version: 1
name: cli
command_rules:
  - {name: deny-shutdown, commands: [shutdown], decision: deny, message: "no {{.Args}}"}
  - {name: git-direct, commands: [git], context: [direct], decision: allow}
  - {name: shells, commands: [sh, bash], decision: allow}
file_rules:
  - {name: ssh, paths: ['${HOME}/.ssh/**'], decision: deny}
network_rules:
  - {name: gh, domains: ['*.github.com'], ports: [443], decision: allow}
signal_rules:
  - {name: kids, signals: ['@fatal'], target: {type: children}, decision: allow}
unix_socket_rules:
  - {name: tmp, paths: ['/tmp/**'], decision: audit}
mcp_rules: {}
YAML

out=$("$A" policy validate "$T/p.yaml" 2>&1); rc=$?
check "validate ok" "0" "$rc"
check "validate warns once per unenforced section" "1" "$(grep -c 'mcp_rules: parsed but not enforced' <<<"$out")"

printf 'version: 1\nname: bad\nfile_rules:\n  - name: x\n    decison: deny\n' >"$T/bad.yaml"
out=$("$A" policy validate "$T/bad.yaml" 2>&1); rc=$?
check "validate error exit" "1" "$rc"
check "validate error position" "$T/bad.yaml:5:5: unknown key \"decison\" in file_rules entry" "$out"

check "test sh -c inner deny" '{"decision":"deny","effective_decision":"deny","rule":"deny-shutdown","message":"no now"}' \
	"$("$A" policy test "$T/p.yaml" --json --exec "sh -c 'shutdown now'")"
check "test submit default" '{"decision":"deny","effective_decision":"deny","rule":"default-deny-commands","message":""}' \
	"$("$A" policy test "$T/p.yaml" --json --exec "ls -l")"
check "test depth 0 git" "git-direct" "$("$A" policy test "$T/p.yaml" --json --exec 'git status' --depth 0 | jq -r .rule)"
check "test depth 1 git" "default-deny-execve" "$("$A" policy test "$T/p.yaml" --json --exec 'git status' --depth 1 | jq -r .rule)"
check "test unwrap payload deny" "deny-shutdown" "$("$A" policy test "$T/p.yaml" --json --exec 'env X=1 shutdown -h' --depth 1 | jq -r .rule)"
check "test file" "ssh" "$("$A" policy test "$T/p.yaml" --json --file /home/u/.ssh/id_rsa --op read | jq -r .rule)"
check "test file default read" "default-allow-reads" "$("$A" policy test "$T/p.yaml" --json --file /etc/hosts --op open | jq -r .rule)"
check "test connect" "gh" "$("$A" policy test "$T/p.yaml" --json --connect api.github.com:443 --no-resolve | jq -r .rule)"
check "test connect default" "default-deny-network" "$("$A" policy test "$T/p.yaml" --json --connect 10.1.1.1:443 | jq -r .rule)"
check "test signal" "kids" "$("$A" policy test "$T/p.yaml" --json --signal SIGTERM --target children | jq -r .rule)"
check "test signal no rule" '{"decision":"deny","effective_decision":"deny","rule":"","message":""}' \
	"$("$A" policy test "$T/p.yaml" --json --signal 9 --target external)"
check "test unix" "audit allow" "$("$A" policy test "$T/p.yaml" --json --unix /tmp/s.sock --op connect | jq -r '.decision + " " + .effective_decision')"
check "test text output" "rule: deny-shutdown" "$("$A" policy test "$T/p.yaml" --exec 'shutdown' | grep '^rule:')"

mkdir -p "$T/dir"
cp "$T/p.yaml" "$T/dir/cli.yaml"
cp "$SRC/policies/"*.yaml "$T/dir/"
check "list" "agent-sandbox ci-strict cli default dev-safe" "$("$A" policy list --dir "$T/dir" | awk '{print $1}' | xargs)"
check "show by name" "name: cli" "$("$A" policy show cli --dir "$T/dir" | grep '^name:')"
check "validate by name" "0" "$("$A" policy validate dev-safe --dir "$T/dir" >/dev/null 2>&1; echo $?)"

"$A" policy keygen --output "$T/keys" --label test >/dev/null
check "private key mode" "600" "$(stat -c %a "$T/keys/private.key.json")"
check "public key label" "test" "$(jq -r .label "$T/keys/public.key.json")"
check "sign" "0" "$("$A" policy sign "$T/p.yaml" --key "$T/keys/private.key.json" --signer ci >/dev/null; echo $?)"
check "sig file" "1 ed25519 ci" "$(jq -r '"\(.version) \(.algorithm) \(.signer)"' "$T/p.yaml.sig")"
mkdir "$T/trust"; chmod 755 "$T/trust"
cp "$T/keys/public.key.json" "$T/trust/"
check "verify ok" "0" "$("$A" policy verify "$T/p.yaml" --key-dir "$T/trust" >/dev/null; echo $?)"
echo "# changed" >>"$T/p.yaml"
check "verify tampered" "1" "$("$A" policy verify "$T/p.yaml" --key-dir "$T/trust" >/dev/null 2>&1; echo $?)"

[ "$fails" -eq 0 ] && echo "all policy CLI checks passed"
exit $((fails > 0))
