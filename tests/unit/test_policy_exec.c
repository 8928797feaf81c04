/* sh -c pre-check, transparent unwrapping, env_policy. */
#include "test_policy_helpers.h"

static const char *shell_policy =
    "version: 1\nname: sh\ncommand_rules:\n"
    "  - {name: deny-shutdown, commands: [shutdown], decision: deny}\n"
    "  - {name: approve-curl, commands: [curl], decision: approve}\n"
    "  - {name: audit-make, commands: [make], decision: audit}\n"
    "  - {name: allow-shells, commands: [sh, bash, dash, zsh], decision: allow,\n"
    "     env_deny: [SECRET]}\n"
    "  - {name: allow-ls, commands: [ls, git], decision: allow}\n";

/* argv given explicitly (the script is one argument) */
static void submit(const struct policy *p, const char *const *argv, struct verdict *v)
{
	int argc = 0;
	struct exec_query q;

	while (argv[argc])
		argc++;
	q = (struct exec_query){.filename = argv[0], .argv = argv, .argc = argc, .submit = true};
	policy_decide_exec(p, &q, v);
}

#define SUBMIT(p, v, ...) submit(p, (const char *const[]){__VA_ARGS__, NULL}, v)

static void test_shellc_inner_rule(void **state)
{
	struct policy *p = load(shell_policy);
	struct verdict v;

	SUBMIT(p, &v, "/bin/sh", "-c", "shutdown now");
	assert_verdict(&v, "deny", "deny", "deny-shutdown");
	SUBMIT(p, &v, "/bin/bash", "-lc", "shutdown");
	assert_verdict(&v, "deny", "deny", "deny-shutdown");
	SUBMIT(p, &v, "/bin/sh", "-c", "shutdown", "argv0", "p1");
	assert_verdict(&v, "deny", "deny", "deny-shutdown");
	SUBMIT(p, &v, "/bin/sh.real", "-c", "PATH=/x nohup shutdown");
	assert_verdict(&v, "deny", "deny", "deny-shutdown");
	SUBMIT(p, &v, "sh", "-c", "sh -c 'shutdown -h now'");
	assert_verdict(&v, "deny", "deny", "deny-shutdown");
	SUBMIT(p, &v, "bash", "-c", "curl example.com");
	assert_verdict(&v, "approve", "approve", "approve-curl");
	SUBMIT(p, &v, "bash", "-c", "ls -la");
	assert_verdict(&v, "allow", "allow", "allow-shells");
	/* an unmatched inner command keeps the shell's verdict */
	SUBMIT(p, &v, "bash", "-c", "whoami");
	assert_verdict(&v, "allow", "allow", "allow-shells");
	SUBMIT(p, &v, "bash", "-c", "command -v ls");
	assert_verdict(&v, "allow", "allow", "allow-shells");
	SUBMIT(p, &v, "bash", "-c", "nice -n 5 shutdown");
	assert_verdict(&v, "deny", "deny", "deny-shutdown");
	policy_free(p);
}

static void test_shellc_pseudo_rules(void **state)
{
	struct policy *p = load(shell_policy);
	struct verdict v;

	SUBMIT(p, &v, "/bin/sh", "-pc", "shutdown");
	assert_verdict(&v, "deny", "deny", "shellc-wrapper-bypass");
	SUBMIT(p, &v, "/bin/bash", "-o", "errexit", "-c", "shutdown");
	assert_verdict(&v, "deny", "deny", "shellc-wrapper-bypass");
	SUBMIT(p, &v, "sh", "-c", "exec -a foo shutdown");
	assert_verdict(&v, "deny", "deny", "shellc-wrapper-bypass");
	SUBMIT(p, &v, "sh", "-c", "nohup --preserve-status=1 shutdown");
	assert_verdict(&v, "deny", "deny", "shellc-wrapper-bypass");
	SUBMIT(p, &v, "sh", "-c", "PATH=/x:/y shutdown");
	assert_verdict(&v, "deny", "deny", "shellc-wrapper-bypass");
	SUBMIT(p, &v, "sh", "-c", "ls | sh");
	assert_verdict(&v, "deny", "deny", "shellc-opaque-script");
	SUBMIT(p, &v, "sh", "-c", "echo \"$HOME\"");
	assert_verdict(&v, "deny", "deny", "shellc-opaque-script");
	SUBMIT(p, &v, "sh", "-c", "sh -c 'sh -c \"sh -c \\\"sh -c shutdown\\\"\"'");
	assert_string_equal(v.rule, "shellc-opaque-script");
	SUBMIT(p, &v, "sh", "-c", "sh -c 'sh -c \"sh -c ls\"'");
	assert_verdict(&v, "allow", "allow", "allow-shells");
	policy_free(p);
}

/* "sh -c " + s single-quoted POSIX style ('"'"' for each quote) */
static void wrap_sh(char *out, size_t cap, const char *s)
{
	size_t at = (size_t)snprintf(out, cap, "sh -c '");

	for (; *s && at + 8 < cap; s++) {
		if (*s == '\'')
			at += (size_t)snprintf(out + at, cap - at, "'\"'\"'");
		else
			out[at++] = *s;
	}
	snprintf(out + at, cap - at, "'");
}

static void test_shellc_depth_exceeded(void **state)
{
	struct policy *p = load(shell_policy);
	char lv[6][4096];
	struct verdict v;

	snprintf(lv[0], sizeof(lv[0]), "shutdown");
	for (int i = 1; i < 6; i++)
		wrap_sh(lv[i], sizeof(lv[i]), lv[i - 1]);
	/* lv[3] = sh -c (sh -c (sh -c shutdown)): 4 derivations reach shutdown */
	SUBMIT(p, &v, "sh", "-c", lv[3]);
	assert_verdict(&v, "deny", "deny", "deny-shutdown");
	SUBMIT(p, &v, "sh", "-c", lv[4]);
	assert_verdict(&v, "deny", "deny", "shellc-depth-exceeded");
	SUBMIT(p, &v, "sh", "-c", lv[5]);
	assert_verdict(&v, "deny", "deny", "shellc-depth-exceeded");
	policy_free(p);
}

static void test_opaque_allowed_when_not_restrictive_or_enforced(void **state)
{
	struct policy *p = load("version: 1\nname: o\ncommand_rules:\n"
				"  - {name: allow-all, decision: allow}\n");
	struct policy_opts opts = {.execve_enforced = true};
	struct policy_error err;
	struct policy *q = NULL;
	const char *text = shell_policy;
	struct verdict v;

	SUBMIT(p, &v, "sh", "-c", "ls | sort");
	assert_verdict(&v, "allow", "allow", "allow-all");
	assert_int_equal(policy_load_buffer("t", text, strlen(text), NULL, &opts, &q, &err), 0);
	SUBMIT(q, &v, "sh", "-c", "ls | sort");
	assert_verdict(&v, "allow", "allow", "allow-shells");
	policy_free(p);
	policy_free(q);
}

static void test_unwrap_payload_and_wrapper(void **state)
{
	struct policy *p = load("version: 1\nname: u\ncommand_rules:\n"
				"  - {name: deny-rm, commands: [rm], decision: deny}\n"
				"  - {name: deny-sudo, commands: [sudo], decision: deny}\n"
				"  - {name: ok, commands: [ls, env, nice, strace, make, busybox],\n"
				"     decision: allow}\n"
				"  - {name: audit-time, commands: [time], decision: audit}\n"
				"transparent_commands: {add: [mywrap], remove: [nohup]}\n");
	struct verdict v;

	exec_v(p, "/usr/bin/env FOO=1 rm -rf /", 1, false, &v);
	assert_verdict(&v, "deny", "deny", "deny-rm");
	assert_string_equal(v.unwrapped_from, "env");
	assert_string_equal(v.payload_command, "rm -rf /");
	exec_v(p, "/usr/bin/env -u HOME -- ls -l", 1, false, &v);
	assert_verdict(&v, "allow", "allow", "ok");
	assert_string_equal(v.payload_command, "ls -l");
	exec_v(p, "/usr/bin/nice -n 10 env X=Y strace -f -o /tmp/t make", 1, false, &v);
	assert_verdict(&v, "allow", "allow", "ok");
	assert_string_equal(v.unwrapped_from, "nice");
	assert_string_equal(v.payload_command, "make");
	exec_v(p, "/usr/bin/sudo ls", 0, false, &v);
	assert_verdict(&v, "deny", "deny", "deny-sudo");
	exec_v(p, "/usr/bin/time ls", 0, false, &v);
	assert_verdict(&v, "audit", "allow", "audit-time");
	exec_v(p, "/bin/busybox rm x", 0, false, &v);
	assert_verdict(&v, "deny", "deny", "deny-rm");
	exec_v(p, "/usr/bin/mywrap rm x", 0, false, &v);
	assert_verdict(&v, "deny", "deny", "deny-rm");
	/* nohup removed: decided as itself */
	exec_v(p, "/usr/bin/nohup rm x", 0, false, &v);
	assert_verdict(&v, "deny", "deny", "default-deny-execve");
	assert_string_equal(v.unwrapped_from, "");
	/* env alone: no payload */
	exec_v(p, "/usr/bin/env", 0, false, &v);
	assert_verdict(&v, "allow", "allow", "ok");
	/* an unknown payload is the default */
	exec_v(p, "/usr/bin/env whoami", 0, false, &v);
	assert_verdict(&v, "deny", "deny", "default-deny-execve");
	exec_v(p, "/lib64/ld-linux-x86-64.so.2 --library-path /x /bin/rm y", 0, false, &v);
	assert_verdict(&v, "deny", "deny", "deny-rm");
	/* ld.so's value options, hwcaps included: the payload is after them */
	exec_v(p, "/lib64/ld-linux-x86-64.so.2 --glibc-hwcaps-prepend ls /bin/rm y", 0, false, &v);
	assert_verdict(&v, "deny", "deny", "deny-rm");
	/* deeper than 5 levels: the 6th wrapper is the payload */
	exec_v(p, "/usr/bin/env env env env env env rm", 0, false, &v);
	assert_string_equal(v.payload_command, "env rm");
	policy_free(p);
}

/* ld.so opens its program by path: the file the name leads to is judged. */
static int fake_resolve(void *ctx, const char *name, char *out, size_t cap)
{
	(void)ctx;
	if (strcmp(name, "work/link") != 0)
		return -ENOENT;
	snprintf(out, cap, "/usr/bin/rm");
	return 0;
}

static void test_unwrap_loader_resolves(void **state)
{
	struct policy *p = load("version: 1\nname: u\ncommand_rules:\n"
				"  - {name: deny-rm, commands: [rm], decision: deny}\n"
				"  - {name: ok, commands: [\"*\"], decision: allow}\n");
	const char *argv[] = { "/lib64/ld-linux-x86-64.so.2", "work/link", "x" };
	struct exec_query q = { .filename = argv[0], .argv = argv, .argc = 3 };
	struct verdict v;

	(void)state;
	policy_decide_exec(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "ok"); /* judged as written */
	q.resolve = fake_resolve;
	policy_decide_exec(p, &q, &v);
	assert_verdict(&v, "deny", "deny", "deny-rm");
	q.filename = argv[0] = "/usr/bin/env"; /* env searches PATH: not resolved */
	policy_decide_exec(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "ok");
	policy_free(p);
}

static void test_env_policy(void **state)
{
	struct policy *p = load("version: 1\nname: e\n"
				"env_policy: {deny: ['*_KEY']}\n"
				"env_inject: {INJECTED: yes}\n"
				"command_rules:\n"
				"  - {name: strict, commands: [tool], env_allow: [PATH, 'LC_*'],\n"
				"     env_max_keys: 3, decision: allow}\n"
				"  - {name: any, decision: allow}\n");
	char *envp[] = {"PATH=/bin",
			"HOME=/h",
			"AWS_SECRET_ACCESS_KEY=s",
			"GITHUB_TOKEN=t",
			"LD_PRELOAD=/x.so",
			"API_KEY=k",
			"AGENTSH_SESSION_ID=abc",
			"LC_ALL=C",
			"NODE_OPTIONS=--require x",
			NULL};
	char **out;
	struct policy_error err;
	struct verdict v;

	exec_v(p, "/bin/other", 0, false, &v);
	assert_int_equal(policy_build_env(p, &v, envp, &out, &err), 0);
	assert_string_equal(out[0], "PATH=/bin");
	assert_string_equal(out[1], "HOME=/h");
	assert_string_equal(out[2], "AGENTSH_SESSION_ID=abc");
	assert_string_equal(out[3], "LC_ALL=C");
	assert_string_equal(out[4], "INJECTED=yes");
	assert_null(out[5]);
	policy_env_free(out);
	exec_v(p, "/bin/tool", 0, false, &v);
	assert_int_equal(policy_build_env(p, &v, envp, &out, &err), -E2BIG);
	assert_string_equal(err.message, "env exceeds max_keys (3): 4 variables");
	envp[6] = NULL;
	assert_int_equal(policy_build_env(p, &v, envp, &out, &err), 0);
	assert_string_equal(out[0], "PATH=/bin");
	assert_string_equal(out[1], "INJECTED=yes");
	assert_null(out[2]);
	policy_env_free(out);
	assert_int_equal(policy_build_env(p, NULL, envp, &out, &err), 0);
	policy_env_free(out);
	policy_free(p);
}

static void test_env_max_bytes(void **state)
{
	struct policy *p = load("version: 1\nname: e\nenv_policy: {max_bytes: 10}\n");
	char *envp[] = {"A=1", "B=12345678", NULL};
	char **out;
	struct policy_error err;

	assert_int_equal(policy_build_env(p, NULL, envp, &out, &err), -E2BIG);
	assert_string_equal(err.message, "env exceeds max_bytes (10): 15 bytes");
	policy_free(p);
}

static void test_unjudgeable_query_denies(void **state)
{
	struct policy *p =
	    load("version: 1\nname: q\ncommand_rules:\n  - {name: all, decision: allow}\n");
	const char *argv[] = {"ls", NULL, "x"};
	struct exec_query q = {.filename = "/bin/ls", .argv = argv, .argc = 3};
	struct verdict v;

	policy_decide_exec(p, &q, &v);
	assert_verdict(&v, "deny", "deny", "invalid-exec-query");
	q = (struct exec_query){.filename = NULL, .argv = argv, .argc = 1};
	policy_decide_exec(p, &q, &v);
	assert_verdict(&v, "deny", "deny", "invalid-exec-query");
	q = (struct exec_query){.filename = "/bin/ls", .argv = NULL, .argc = 0};
	policy_decide_exec(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "all");
	q.submit = true;
	policy_decide_exec(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "all");
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_shellc_inner_rule),
	    cmocka_unit_test(test_shellc_pseudo_rules),
	    cmocka_unit_test(test_shellc_depth_exceeded),
	    cmocka_unit_test(test_opaque_allowed_when_not_restrictive_or_enforced),
	    cmocka_unit_test(test_unwrap_payload_and_wrapper),
	    cmocka_unit_test(test_unwrap_loader_resolves),
	    cmocka_unit_test(test_env_policy),
	    cmocka_unit_test(test_env_max_bytes),
	    cmocka_unit_test(test_unjudgeable_query_denies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
