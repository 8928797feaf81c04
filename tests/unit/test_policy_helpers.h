/* Shared helpers for the policy unit tests (header-only). */
#ifndef AGENTSH_TEST_POLICY_HELPERS_H
#define AGENTSH_TEST_POLICY_HELPERS_H

#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "policy/policy.h"

static inline struct policy *load_opts(const char *text, bool approvals, bool redirects)
{
	struct policy_vars vars = {
	    .project_root = "/work/proj", .git_root = "/work/proj", .home = "/home/u"};
	struct policy_opts opts = {.enforce_approvals = approvals, .enforce_redirects = redirects};
	struct policy_error err;
	struct policy *p = NULL;

	if (policy_load_buffer("t.yaml", text, strlen(text), &vars, &opts, &p, &err) < 0)
		fail_msg("load failed: %s", err.message);
	return p;
}

static inline struct policy *load(const char *text)
{
	return load_opts(text, true, true);
}

/* Returns the error message of a policy that must fail to load. */
static inline const char *load_err(const char *text)
{
	static struct policy_error err;
	struct policy_vars vars = {.project_root = "/work/proj", .home = "/home/u"};
	struct policy *p = NULL;

	if (policy_load_buffer("t.yaml", text, strlen(text), &vars, NULL, &p, &err) == 0) {
		policy_free(p);
		fail_msg("policy loaded but should not have");
	}
	return err.message;
}

#define assert_verdict(v, dec, eff, rulename)                                                      \
	do {                                                                                       \
		assert_string_equal(decision_name((v)->decision), dec);                            \
		assert_string_equal(decision_name((v)->effective), eff);                           \
		assert_string_equal((v)->rule, rulename);                                          \
	} while (0)

static inline void file_v(const struct policy *p, const char *path, unsigned ops, struct verdict *v)
{
	policy_decide_file(p, path, ops, v);
}

/* Splits "a b c" on spaces into argv (static storage, test only). */
static inline int split_argv(const char *cmd, const char **argv, int max)
{
	static char buf[4096];
	int n = 0;
	char *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", cmd);
	for (tok = strtok_r(buf, " ", &save); tok && n < max - 1; tok = strtok_r(NULL, " ", &save))
		argv[n++] = tok;
	argv[n] = NULL;
	return n;
}

static inline void exec_v(const struct policy *p, const char *cmd, int depth, bool submit,
			  struct verdict *v)
{
	const char *argv[64];
	int argc = split_argv(cmd, argv, 64);
	struct exec_query q = {
	    .filename = argv[0], .argv = argv, .argc = argc, .depth = depth, .submit = submit};

	policy_decide_exec(p, &q, v);
}

#endif
