/* The planner and the FUSE layer: when it runs, which rules it also enforces, why not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compat.h"
#include "detect/detect.h"
#include "enforce/fuse_layer.h"
#include "enforce/plan.h"

#include <limits.h>
#include <stdio.h>

static char ws[PATH_MAX];

static const char *policy_text =
	"version: 1\nname: t\nfile_rules:\n"
	"  - name: deny-secret\n    paths: ['${PROJECT_ROOT}/secret/**']\n"
	"    operations: ['*']\n    decision: deny\n"
	"  - name: partial\n    paths: ['${PROJECT_ROOT}/sr*/x']\n"
	"    operations: ['*']\n    decision: deny\n"
	"  - name: dev\n    paths: [/dev/null]\n    operations: ['*']\n    decision: allow\n"
	"  - name: sibling\n    paths: ['${PROJECT_ROOT}x/**']\n    operations: ['*']\n"
	"    decision: allow\n"
	"  - name: everything\n    paths: ['**']\n    operations: ['*']\n    decision: allow\n";

static void machine(struct detect_result *dr, bool cap_sys_admin)
{
	memset(dr, 0, sizeof(*dr));
	dr->ptrace.ok = dr->seccomp.ok = true;
	dr->fuse.ok = dr->dev_fuse = true;
	if (cap_sys_admin)
		dr->cap_effective = 1ULL << DETECT_CAP_SYS_ADMIN;
}

static int build(const char *text, const struct detect_result *dr, enum plan_mode m,
		 bool enabled, bool attach, struct plan *pl, struct policy **pp)
{
	struct policy_vars vars = { .project_root = ws, .home = "/home/u" };
	struct policy_opts o = { .enforce_redirects = true };
	struct plan_config c = { .log_allowed = true, .vars = &vars, .fuse_enabled = enabled,
				 .attach = attach };
	struct policy_error err;

	*pp = NULL;
	if (text && policy_load_buffer("t.yaml", text, strlen(text), &vars, &o, pp, &err) != 0)
		fail_msg("policy: %s", err.message);
	return plan_build(*pp, dr, &c, m, pl);
}

static void done(struct plan *pl, struct policy *p)
{
	plan_free(pl);
	policy_free(p);
}

static void test_fuse_mode_marks_rules_reaching_the_workspace(void **state)
{
	struct detect_result dr;
	struct policy *p;
	struct plan pl;

	if (!fuse_layer_built())
		skip();
	machine(&dr, true);
	assert_int_equal(build(policy_text, &dr, PLAN_MODE_FUSE, false, false, &pl, &p), 0);
	assert_true(pl.fuse);
	assert_string_equal(pl.fuse_workspace, ws);
	assert_int_equal(pl.nrules, 5);
	assert_true(pl.rules[0].fuse_layer);  /* ws/secret/ subtree */
	assert_true(pl.rules[1].fuse_layer);  /* ws/sr* /x: its directory is the workspace */
	assert_false(pl.rules[2].fuse_layer); /* /dev/null */
	assert_false(pl.rules[3].fuse_layer); /* a sibling sharing the prefix */
	assert_true(pl.rules[4].fuse_layer);  /* ** */
	assert_true(pl.trace_file);           /* the tracer still decides first */
	done(&pl, p);
}

static void test_full_needs_sandbox_fuse_enabled(void **state)
{
	struct detect_result dr;
	struct policy *p;
	struct plan pl;

	if (!fuse_layer_built())
		skip();
	machine(&dr, true);
	assert_int_equal(build(policy_text, &dr, PLAN_MODE_FULL, false, false, &pl, &p), 0);
	assert_false(pl.fuse);
	assert_non_null(strstr(pl.off[PLAN_BE_FUSE], "sandbox.fuse.enabled"));
	done(&pl, p);
	assert_int_equal(build(policy_text, &dr, PLAN_MODE_AUTO, true, false, &pl, &p), 0);
	assert_true(pl.fuse);
	done(&pl, p);
}

static void test_fuse_off_with_reasons(void **state)
{
	struct detect_result dr;
	struct policy *p;
	struct plan pl;
	char why[160];

	if (!fuse_layer_built())
		skip();
	machine(&dr, true);
	assert_int_equal(build(policy_text, &dr, PLAN_MODE_FUSE, false, true, &pl, &p), 0);
	assert_false(pl.fuse);
	assert_non_null(strstr(pl.off[PLAN_BE_FUSE], "attach"));
	done(&pl, p);
	assert_int_equal(build(NULL, &dr, PLAN_MODE_FUSE, false, false, &pl, &p), 0);
	assert_false(pl.fuse);
	assert_non_null(strstr(pl.off[PLAN_BE_FUSE], "no policy"));
	done(&pl, p);
	assert_int_equal(build("version: 1\nname: t\n", &dr, PLAN_MODE_FUSE, false, false, &pl, &p), 0);
	assert_false(pl.fuse);
	assert_non_null(strstr(pl.off[PLAN_BE_FUSE], "file_rules"));
	done(&pl, p);
	machine(&dr, false);
	assert_false(plan_mode_supported(PLAN_MODE_FUSE, &dr, why, sizeof(why)));
	assert_non_null(strstr(why, "CAP_SYS_ADMIN"));
	machine(&dr, true);
	dr.fuse.ok = false;
	assert_false(plan_mode_supported(PLAN_MODE_FUSE, &dr, why, sizeof(why)));
	machine(&dr, true);
	assert_true(plan_mode_supported(PLAN_MODE_FUSE, &dr, why, sizeof(why)));
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/agentsh-plan-fuse-XXXXXX";

	if (!mkdtemp(tmpl) || !realpath(tmpl, ws))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	return rmdir(ws);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuse_mode_marks_rules_reaching_the_workspace),
		cmocka_unit_test(test_full_needs_sandbox_fuse_enabled),
		cmocka_unit_test(test_fuse_off_with_reasons),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
