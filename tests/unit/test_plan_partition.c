/* The planner's partition: which rules a kernel layer takes, and why not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compat.h"
#include "detect/detect.h"
#include "enforce/plan.h"

static struct policy *load(const char *text)
{
	struct policy_vars vars = { .project_root = "/work/proj", .home = "/home/u" };
	struct policy_opts o = { .enforce_redirects = true };
	struct policy_error err;
	struct policy *p = NULL;

	if (policy_load_buffer("t.yaml", text, strlen(text), &vars, &o, &p, &err) != 0)
		fail_msg("policy: %s", err.message);
	return p;
}

static void machine(struct detect_result *dr, bool notify, int ll_abi)
{
	memset(dr, 0, sizeof(*dr));
	dr->ptrace.ok = dr->seccomp.ok = true;
	dr->seccomp_notify.ok = notify;
	dr->landlock.ok = ll_abi > 0;
	dr->landlock_abi = ll_abi;
	dr->landlock_network = ll_abi >= 4;
}

static void build(const char *text, const struct detect_result *dr, enum plan_mode m,
		  bool approvals, struct plan *pl, struct policy **pp)
{
	struct policy_vars vars = { .project_root = "/work/proj", .home = "/home/u" };
	struct plan_config c = { .log_allowed = true, .enforce_approvals = approvals,
				 .vars = &vars };

	*pp = load(text);
	assert_int_equal(plan_build(*pp, dr, &c, m, pl), 0);
}

static const char *subtrees = "version: 1\nname: t\nfile_rules:\n"
			      "  - name: deny-secret\n    paths: ['/work/proj/secret/**']\n"
			      "    operations: ['*']\n    decision: deny\n"
			      "  - name: allow-proj\n    paths: ['${PROJECT_ROOT}/**', /tmp/**]\n"
			      "    operations: ['*']\n    decision: allow\n"
			      "  - name: allow-null\n    paths: [/dev/null]\n"
			      "    operations: [write, open]\n    decision: allow\n"
			      "network_rules:\n"
			      "  - name: web\n    ports: [443, 80]\n    decision: allow\n";

static void test_landlock_takes_plain_subtrees(void **state)
{
	struct detect_result dr;
	struct policy *p;
	struct plan pl;

	machine(&dr, true, 7);
	build(subtrees, &dr, PLAN_MODE_FULL, false, &pl, &p);
	assert_true(pl.prefilter);
	assert_true(pl.notify_open);
	assert_true(pl.landlock);
	assert_true(pl.ll.restrict_fs);
	/* "/" read+execute, then the three write paths of the allow rules */
	assert_int_equal(pl.ll.n_paths, 4);
	assert_string_equal(pl.ll_paths[0].path, "/");
	assert_string_equal(pl.ll_paths[1].path, "/work/proj");
	assert_string_equal(pl.ll_paths[2].path, "/tmp");
	assert_string_equal(pl.ll_paths[3].path, "/dev/null");
	assert_true(pl.ll.restrict_connect);
	assert_int_equal(pl.ll.n_connect, 2);
	assert_int_equal(pl.ll_ports[0], 443);
	assert_int_equal(pl.nrules, 4);
	assert_int_equal(pl.rules[0].backend, PLAN_BE_NOTIFY);
	assert_true(pl.rules[0].kernel_layer);
	/* every class stays observed: each mode writes the same events */
	assert_true(pl.trace_file && pl.trace_network && pl.trace_execve);
	plan_free(&pl);
	policy_free(p);
}

static void test_inexact_write_rule_keeps_landlock_off_for_writes(void **state)
{
	const char *t = "version: 1\nname: t\nfile_rules:\n"
			"  - name: allow-c\n    paths: ['/src/**/*.c']\n"
			"    operations: [write]\n    decision: allow\n"
			"network_rules:\n  - name: all\n    decision: allow\n";
	struct detect_result dr;
	struct policy *p;
	struct plan pl;

	machine(&dr, true, 7);
	build(t, &dr, PLAN_MODE_LANDLOCK, false, &pl, &p);
	assert_false(pl.landlock);
	assert_false(pl.notify_open);
	assert_non_null(strstr(pl.off[PLAN_BE_LANDLOCK], "allow-c"));
	assert_non_null(strstr(pl.off[PLAN_BE_LANDLOCK], "every port"));
	assert_int_equal(pl.rules[0].backend, PLAN_BE_PTRACE);
	plan_free(&pl);
	policy_free(p);
}

static void test_redirect_and_soft_delete_stay_traced(void **state)
{
	const char *t = "version: 1\nname: t\nfile_rules:\n"
			"  - name: trash\n    paths: ['/w/**']\n"
			"    operations: [delete]\n    decision: soft_delete\n";
	struct detect_result dr;
	struct policy *p;
	struct plan pl;

	machine(&dr, true, 7);
	build(t, &dr, PLAN_MODE_FULL, false, &pl, &p);
	assert_false(pl.ll.restrict_fs);
	assert_non_null(strstr(pl.ll_fs_why, "soft_delete"));
	assert_false(pl.rules[0].kernel_layer);
	plan_free(&pl);
	policy_free(p);
}

static void test_approvals_keep_opens_on_ptrace(void **state)
{
	const char *t = "version: 1\nname: t\nfile_rules:\n"
			"  - name: ask\n    paths: ['/w/**']\n    decision: approve\n";
	struct detect_result dr;
	struct policy *p;
	struct plan pl;

	machine(&dr, true, 7);
	build(t, &dr, PLAN_MODE_NOTIFY, true, &pl, &p);
	assert_false(pl.notify_open);
	assert_non_null(strstr(pl.off[PLAN_BE_NOTIFY], "ask"));
	plan_free(&pl);
	/* without an approver an approve rule cannot hold: notify may take opens */
	policy_free(p);
	build(t, &dr, PLAN_MODE_NOTIFY, false, &pl, &p);
	assert_true(pl.notify_open);
	plan_free(&pl);
	policy_free(p);
}

static void test_modes_and_machines(void **state)
{
	struct detect_result dr;
	enum plan_mode m;
	char why[160];

	machine(&dr, false, 0);
	assert_false(plan_mode_supported(PLAN_MODE_NOTIFY, &dr, why, sizeof(why)));
	assert_non_null(strstr(why, "user-notify"));
	assert_false(plan_mode_supported(PLAN_MODE_LANDLOCK, &dr, why, sizeof(why)));
	assert_true(plan_mode_supported(PLAN_MODE_PREFILTER, &dr, why, sizeof(why)));
	assert_true(plan_mode_supported(PLAN_MODE_FULL, &dr, why, sizeof(why)));
	assert_false(plan_mode_supported(PLAN_MODE_EBPF, &dr, why, sizeof(why)));
	dr.seccomp.ok = false; /* gVisor-like: ptrace only */
	assert_false(plan_mode_supported(PLAN_MODE_PREFILTER, &dr, why, sizeof(why)));
	assert_true(plan_mode_supported(PLAN_MODE_PTRACE, &dr, why, sizeof(why)));
	assert_int_equal(plan_mode_parse("landlock", &m), 0);
	assert_int_equal(m, PLAN_MODE_LANDLOCK);
	assert_int_equal(plan_mode_parse("bogus", &m), -EINVAL);
}

static void test_auto_without_seccomp_is_plain_ptrace(void **state)
{
	struct detect_result dr;
	struct policy *p;
	struct plan pl;

	machine(&dr, false, 0);
	dr.seccomp.ok = false;
	build(subtrees, &dr, PLAN_MODE_AUTO, false, &pl, &p);
	assert_int_equal(pl.mode, PLAN_MODE_PTRACE);
	assert_false(pl.prefilter || pl.notify_open || pl.landlock);
	plan_free(&pl);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_landlock_takes_plain_subtrees),
		cmocka_unit_test(test_inexact_write_rule_keeps_landlock_off_for_writes),
		cmocka_unit_test(test_redirect_and_soft_delete_stay_traced),
		cmocka_unit_test(test_approvals_keep_opens_on_ptrace),
		cmocka_unit_test(test_modes_and_machines),
		cmocka_unit_test(test_auto_without_seccomp_is_plain_ptrace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
