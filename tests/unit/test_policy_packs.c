/* The starter packs in policies/ load and do what their headers promise. */
#include "test_policy_helpers.h"

static struct policy *pack(const char *name)
{
	const char *src = getenv("AGENTSH_SRC");
	struct policy_vars vars = {
	    .project_root = "/work/proj", .git_root = "/work/proj", .home = "/home/u"};
	struct policy_opts opts = {.enforce_approvals = true, .enforce_redirects = true};
	struct policy_error err;
	struct policy *p = NULL;
	char path[4096];

	snprintf(path, sizeof(path), "%s/policies/%s.yaml", src ? src : ".", name);
	if (policy_load_file(path, &vars, &opts, &p, &err) < 0)
		fail_msg("%s", err.message);
	return p;
}

static const char *file_rule(const struct policy *p, const char *path, unsigned ops,
			     const char **decision)
{
	static struct verdict v;

	policy_decide_file(p, path, ops, &v);
	*decision = decision_name(v.decision);
	return v.rule;
}

#define FILE_IS(p, path, ops, dec, rule)                                                           \
	do {                                                                                       \
		const char *d_;                                                                    \
		assert_string_equal(file_rule(p, path, ops, &d_), rule);                           \
		assert_string_equal(d_, dec);                                                      \
	} while (0)

static void net_is(const struct policy *p, const char *ip, const char *domain, int port,
		   const char *dec, const char *rule)
{
	struct net_query q = {.ip = ip, .domain = domain, .port = port, .operation = "connect"};
	struct verdict v;

	policy_decide_network(p, &q, &v);
	assert_string_equal(decision_name(v.decision), dec);
	assert_string_equal(v.rule, rule);
}

static void exec_is(const struct policy *p, const char *cmd, int depth, const char *dec,
		    const char *rule)
{
	struct verdict v;

	exec_v(p, cmd, depth, false, &v);
	assert_string_equal(decision_name(v.decision), dec);
	assert_string_equal(v.rule, rule);
}

static void test_default_pack(void **state)
{
	struct policy *p = pack("default");

	FILE_IS(p, "/home/u/.ssh/id_ed25519", FOP_OPEN | FOP_READ, "deny", "deny-credentials");
	FILE_IS(p, "/work/proj/src/main.c", FOP_OPEN | FOP_WRITE, "allow", "allow-project");
	FILE_IS(p, "/etc/passwd", FOP_OPEN | FOP_READ, "allow", "default-allow-reads");
	FILE_IS(p, "/etc/passwd", FOP_OPEN | FOP_WRITE, "deny", "default-deny-files");
	FILE_IS(p, "/dev/null", FOP_OPEN | FOP_WRITE | FOP_CREATE, "allow",
		"allow-terminal-devices");
	exec_is(p, "/usr/bin/sudo id", 1, "deny", "deny-privilege-escalation");
	exec_is(p, "/bin/rm -rf /", 1, "deny", "deny-rm-root");
	exec_is(p, "/bin/rm -rf build", 1, "allow", "allow-commands");
	exec_is(p, "/usr/bin/make -j8", 3, "allow", "allow-commands");
	net_is(p, "140.82.112.3", "github.com", 443, "allow", "allow-code-hosts");
	net_is(p, "93.184.216.34", "example.com", 443, "approve", "approve-other-https");
	net_is(p, "93.184.216.34", "example.com", 8080, "deny", "default-deny-network");
	net_is(p, "169.254.169.254", NULL, 80, "deny", "deny-cloud-metadata");
	policy_free(p);
}

static void test_dev_safe_pack(void **state)
{
	struct policy *p = pack("dev-safe");
	struct verdict v;

	FILE_IS(p, "/work/proj/a.py", FOP_OPEN | FOP_WRITE | FOP_CREATE, "allow",
		"allow-workspace");
	FILE_IS(p, "/work/proj/a.py", FOP_DELETE, "approve", "approve-workspace-delete");
	FILE_IS(p, "/work/proj/dir", FOP_RMDIR, "approve", "approve-workspace-delete");
	FILE_IS(p, "/home/u/.ssh/config", FOP_OPEN | FOP_READ, "deny", "deny-ssh-keys");
	FILE_IS(p, "/root/.ssh/authorized_keys", FOP_OPEN | FOP_WRITE, "deny", "deny-ssh-keys");
	FILE_IS(p, "/home/u/.bashrc", FOP_OPEN | FOP_WRITE, "deny", "default-deny-files");
	policy_decide_file(p, "/work/proj/a.py", FOP_DELETE, &v);
	assert_int_equal(v.timeout_ms, 300000);
	assert_string_equal(v.message, "delete /work/proj/a.py?");
	net_is(p, "104.16.0.1", "registry.npmjs.org", 443, "allow", "allow-registries");
	net_is(p, "140.82.112.3", "github.com", 22, "allow", "allow-code-hosts");
	net_is(p, "104.16.0.1", "registry.npmjs.org", 22, "deny", "default-deny-network");
	net_is(p, "93.184.216.34", "example.com", 443, "deny", "default-deny-network");
	exec_is(p, "/usr/bin/git push origin main --force", 0, "approve", "deny-force-push");
	exec_is(p, "/usr/bin/git push origin main", 0, "allow", "allow-commands");
	policy_free(p);
}

static void test_ci_strict_pack(void **state)
{
	struct policy *p = pack("ci-strict");
	struct verdict v;

	FILE_IS(p, "/work/proj/out/x.o", FOP_OPEN | FOP_WRITE | FOP_CREATE, "audit",
		"audit-workspace");
	FILE_IS(p, "/usr/lib/libc.so.6", FOP_OPEN | FOP_READ, "audit", "audit-system-reads");
	FILE_IS(p, "/home/other/secret.txt", FOP_OPEN | FOP_READ, "deny", "deny-outside-workspace");
	FILE_IS(p, "/etc/hosts", FOP_OPEN | FOP_WRITE, "deny", "deny-outside-workspace");
	FILE_IS(p, "/srv/data", FOP_STAT, "deny", "deny-outside-workspace");
	exec_is(p, "/bin/bash", 1, "deny", "deny-interactive-shells");
	exec_is(p, "/bin/bash -i", 1, "deny", "deny-interactive-shells");
	exec_is(p, "/bin/bash --login", 1, "deny", "deny-interactive-shells");
	exec_is(p, "/bin/bash build.sh", 1, "audit", "audit-all-commands");
	exec_is(p, "/bin/sh -c make", 1, "audit", "audit-all-commands");
	exec_is(p, "/usr/bin/npm ci", 0, "audit", "audit-all-commands");
	exec_is(p, "/usr/bin/ssh host", 1, "deny", "deny-remote-shells");
	net_is(p, "104.16.0.1", "registry.npmjs.org", 443, "audit", "audit-artifact-registries");
	net_is(p, "140.82.112.3", "github.com", 443, "deny", "default-deny-network");
	net_is(p, "104.16.0.1", "registry.npmjs.org", 80, "deny", "default-deny-network");
	policy_decide_file(p, "/work/proj/x", FOP_WRITE, &v);
	assert_string_equal(decision_name(v.effective), "allow");
	policy_free(p);
}

static void test_agent_sandbox_pack(void **state)
{
	struct policy *p = pack("agent-sandbox");
	struct verdict v;

	FILE_IS(p, "/home/u/.aws/credentials", FOP_OPEN | FOP_READ, "approve",
		"approve-credentials");
	FILE_IS(p, "/work/proj/old.txt", FOP_DELETE, "soft_delete", "soft-delete-workspace");
	FILE_IS(p, "/work/proj/new.txt", FOP_OPEN | FOP_WRITE | FOP_CREATE, "allow",
		"allow-workspace");
	FILE_IS(p, "/home/other/notes", FOP_OPEN | FOP_READ, "deny", "deny-everything-else");
	FILE_IS(p, "/usr/bin/python3", FOP_OPEN | FOP_READ, "allow", "allow-system-reads");
	policy_decide_file(p, "/work/proj/old.txt", FOP_DELETE, &v);
	assert_string_equal(decision_name(v.effective), "soft_delete");
	exec_v(p, "/usr/bin/curl https://example.com", 1, false, &v);
	assert_verdict(&v, "redirect", "redirect", "redirect-curl");
	assert_string_equal(v.exec_redirect->command, "curl");
	assert_string_equal(v.exec_redirect->args[0], "--proxy");
	assert_string_equal(v.exec_redirect->args[1], "http://127.0.0.1:3128");
	exec_is(p, "/usr/bin/curl --proxy http://127.0.0.1:3128 https://example.com", 1, "allow",
		"allow-proxied-network-tools");
	exec_is(p, "/usr/bin/wget https://example.com", 1, "redirect", "redirect-wget");
	exec_is(p, "/usr/bin/nmap 10.0.0.0/8", 1, "deny", "default-deny-execve");
	exec_is(p, "/usr/bin/git status", 0, "allow", "allow-dev-tools");
	net_is(p, "93.184.216.34", "example.com", 443, "deny", "default-deny-network");
	net_is(p, "127.0.0.1", NULL, 3128, "allow", "allow-localhost");
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_default_pack),
	    cmocka_unit_test(test_dev_safe_pack),
	    cmocka_unit_test(test_ci_strict_pack),
	    cmocka_unit_test(test_agent_sandbox_pack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
