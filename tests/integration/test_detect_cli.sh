#!/bin/bash
# `agentsh detect` end to end: compat.md §7 fields and layout in every output format, ground
# truth on this machine (Landlock ABI, cgroup2 mount), `detect config`, and no probe leftovers.
set -u
fail=0
check() { # check NAME CONDITION-EXIT-STATUS
	if [ "$2" -eq 0 ]; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi
}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

"$AGENTSH" detect >"$T/table"; check table_exit $?
"$AGENTSH" detect -o json >"$T/json"; check json_exit $?
"$AGENTSH" detect -o yaml >"$T/yaml"; check yaml_exit $?
"$AGENTSH" detect -o xml >/dev/null 2>&1; [ $? -eq 2 ]; check bad_format_is_usage_error $?

python3 - "$T/json" "$T/yaml" <<'PY'
import json, sys, ctypes, yaml
j = json.load(open(sys.argv[1]))
y = yaml.safe_load(open(sys.argv[2]))
assert list(j) == ["platform", "security_mode", "protection_score", "domains", "capabilities",
                   "summary", "tips"], list(j)
assert j == {k: y[k] for k in j}, "yaml and json disagree"
want = [("File Protection", 25, ["fuse", "landlock", "seccomp-notify"]),
        ("Command Control", 25, ["seccomp-execve", "ptrace"]),
        ("Network", 20, ["ebpf", "landlock-network"]),
        ("Resource Limits", 15, ["cgroups-v2"]),
        ("Isolation", 15, ["pid-namespace", "capability-drop"])]
for d, (name, w, bs) in zip(j["domains"], want):
    assert (d["name"], d["weight"]) == (name, w), d
    assert [b["name"] for b in d["backends"]] == bs, d
    assert all(set(b) == {"name", "available", "detail", "description", "check_method"}
               for b in d["backends"])
    assert d["score"] == (w if any(b["available"] for b in d["backends"]) else 0)
    if d["active"]:
        assert any(b["name"] == d["active"] and b["available"] for b in d["backends"]), d
assert j["protection_score"] == sum(d["score"] for d in j["domains"])
assert j["security_mode"] in ("full", "ptrace", "landlock", "landlock-only", "minimal")
for t in j["tips"]:
    assert set(t) == {"feature", "status", "impact", "action"} and "pts)" in t["impact"], t
libc = ctypes.CDLL(None, use_errno=True)
abi = libc.syscall(444, None, 0, 1)
assert j["capabilities"]["landlock_abi"] == max(abi, 0), (j["capabilities"], abi)
mnt = None
for line in open("/proc/self/mountinfo"):
    pre, post = line.split(" - ", 1)
    if post.split()[0] == "cgroup2":
        mnt = pre.split()[4]
        break
if mnt:
    assert j["capabilities"]["cgroups_v2_path"].startswith(mnt), (mnt, j["capabilities"])
print("# mode %s score %d cgroup2 %s landlock ABI %d" % (j["security_mode"],
      j["protection_score"], mnt, abi))
PY
check json_contract_and_ground_truth $?

head -3 "$T/table" | grep -qx 'Protection Score: [0-9]*/100'; check table_header $?
grep -Eq '^FILE PROTECTION +[0-9]+/25$' "$T/table"; check table_domain_line $?
grep -q '^CAPABILITIES$' "$T/table"; check table_capabilities $?
grep -Eq '^Probes ran in [0-9.]+ ms\.$' "$T/table"; check table_timing $?
grep '^Probes ran' "$T/table"

"$AGENTSH" detect config >"$T/config.yaml"; check config_exit $?
python3 -c '
import sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
assert set(c) == {"security", "sandbox", "landlock", "capabilities"}, c
assert c["security"]["mode"] in ("full", "ptrace", "landlock", "landlock-only", "minimal")
' "$T/config.yaml"
check config_is_yaml_with_sections $?
"$AGENTSH" detect config -o "$T/out.yaml" >/dev/null && cmp -s <(grep -v '^#' "$T/out.yaml") \
	<(grep -v '^#' "$T/config.yaml"); check config_to_file $?

if cg=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capabilities"]["cgroups_v2_path"])' "$T/json") && [ -d "$cg" ]; then
	! ls "$cg" | grep -q 'agentsh-.*probe-'; check no_probe_cgroups_left $?
fi
exit $fail
