/* The FUSE layer's pure decision step: request -> struct op, verdict -> action. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compat.h"

#include <stdio.h>

#ifdef AGENTSH_HAVE_FUSE3
#include "enforce/fuse_int.h"

#include <fcntl.h>

static struct verdict verdict_of(enum decision d, const char *redirect)
{
	struct verdict v;

	memset(&v, 0, sizeof(v));
	v.decision = v.effective = d;
	v.rule = "r";
	snprintf(v.redirect_path, sizeof(v.redirect_path), "%s", redirect ? redirect : "");
	return v;
}

static void test_op_paths_are_the_tracers_absolute_paths(void **state)
{
	static const struct fuse_opdesc d = { "fuse_rename", FOP_RENAME, false, false };
	struct op op;

	fuse_op_build(&op, &d, "/w", "a/b", "c");
	assert_int_equal(op.kind, OP_FILE);
	assert_int_equal(op.ops, FOP_RENAME);
	assert_int_equal(op.npaths, 2);
	assert_string_equal(op.p1.path, "/w/a/b");
	assert_string_equal(op.p2.path, "/w/c");
	assert_string_equal(op.name, "fuse_rename");
	fuse_op_build(&op, &d, "/w", "", NULL);
	assert_string_equal(op.p1.path, "/w"); /* the workspace root itself */
	assert_int_equal(op.npaths, 1);
}

static void test_open_flags_name_the_ops_like_the_decoder(void **state)
{
	assert_int_equal(syscalls_open_flags_to_ops(O_RDONLY), FOP_OPEN | FOP_READ);
	assert_int_equal(syscalls_open_flags_to_ops(O_WRONLY | O_CREAT), FOP_OPEN | FOP_WRITE);
	assert_true(syscalls_open_flags_to_ops(O_CREAT | O_EXCL | O_WRONLY) & FOP_CREATE);
}

static void test_deny_and_allow(void **state)
{
	static const struct fuse_opdesc d = { "fuse_open", FOP_OPEN | FOP_READ, true, false };
	struct verdict v = verdict_of(DECISION_DENY, NULL);

	assert_int_equal(fuse_act_of(&v, &d, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_DENY);
	v = verdict_of(DECISION_APPROVE, NULL); /* the tracer held it before it reached us */
	assert_int_equal(fuse_act_of(&v, &d, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_ALLOW);
	v = verdict_of(DECISION_AUDIT, NULL);
	assert_int_equal(fuse_act_of(&v, &d, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_ALLOW);
	v = verdict_of(DECISION_ABSORB, NULL);
	assert_int_equal(fuse_act_of(&v, &d, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_DENY);
	assert_int_equal(v.effective, DECISION_DENY);
}

static void test_soft_delete_trashes_deletions_only(void **state)
{
	static const struct fuse_opdesc del = { "fuse_unlink", FOP_DELETE, false, false },
					opn = { "fuse_open", FOP_OPEN | FOP_WRITE, true, false };
	struct verdict v = verdict_of(DECISION_SOFT_DELETE, NULL);

	assert_int_equal(fuse_act_of(&v, &del, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_TRASH);
	/* emptying the trash is a real delete */
	assert_int_equal(fuse_act_of(&v, &del, true, FUSE_AUDIT_MONITOR, true), FUSE_ACT_ALLOW);
	assert_int_equal(fuse_act_of(&v, &opn, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_ALLOW);
}

static void test_redirect_only_for_opens_else_fail_closed(void **state)
{
	static const struct fuse_opdesc opn = { "fuse_open", FOP_OPEN | FOP_READ, true, false },
					create = { "fuse_create", FOP_OPEN | FOP_WRITE, false, false },
					del = { "fuse_unlink", FOP_DELETE, false, false };
	struct verdict v = verdict_of(DECISION_REDIRECT, "/shadow/f");

	assert_int_equal(fuse_act_of(&v, &opn, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_REDIRECT);
	assert_int_equal(fuse_act_of(&v, &create, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_DENY);
	assert_int_equal(v.effective, DECISION_DENY);
	v = verdict_of(DECISION_REDIRECT, "/shadow/f");
	assert_int_equal(fuse_act_of(&v, &del, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_DENY);
	v = verdict_of(DECISION_REDIRECT, NULL); /* no target computed: refuse */
	assert_int_equal(fuse_act_of(&v, &opn, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_DENY);
}

static void test_audit_modes_on_allowed_destructive_ops(void **state)
{
	static const struct fuse_opdesc del = { "fuse_unlink", FOP_DELETE, false, false },
					ren = { "fuse_rename", FOP_RENAME, false, false },
					trunc = { "fuse_open", FOP_OPEN | FOP_WRITE, true, true },
					wr = { "fuse_open", FOP_OPEN | FOP_WRITE, true, false };
	struct verdict v = verdict_of(DECISION_ALLOW, NULL);

	assert_int_equal(fuse_act_of(&v, &del, true, FUSE_AUDIT_SOFT_BLOCK, false), FUSE_ACT_DENY);
	assert_string_equal(v.rule, "fuse-audit-soft-block");
	v = verdict_of(DECISION_ALLOW, NULL);
	assert_int_equal(fuse_act_of(&v, &ren, true, FUSE_AUDIT_SOFT_BLOCK, false), FUSE_ACT_DENY);
	v = verdict_of(DECISION_ALLOW, NULL);
	assert_int_equal(fuse_act_of(&v, &trunc, true, FUSE_AUDIT_SOFT_BLOCK, false), FUSE_ACT_DENY);
	v = verdict_of(DECISION_ALLOW, NULL);
	assert_int_equal(fuse_act_of(&v, &wr, true, FUSE_AUDIT_SOFT_BLOCK, false), FUSE_ACT_ALLOW);
	v = verdict_of(DECISION_ALLOW, NULL);
	assert_int_equal(fuse_act_of(&v, &del, true, FUSE_AUDIT_SOFT_DELETE, false), FUSE_ACT_TRASH);
	assert_int_equal(v.effective, DECISION_SOFT_DELETE);
	v = verdict_of(DECISION_ALLOW, NULL);
	assert_int_equal(fuse_act_of(&v, &del, false, FUSE_AUDIT_SOFT_BLOCK, false), FUSE_ACT_ALLOW);
	v = verdict_of(DECISION_ALLOW, NULL);
	assert_int_equal(fuse_act_of(&v, &del, true, FUSE_AUDIT_MONITOR, false), FUSE_ACT_ALLOW);
}

static void test_audit_mode_names(void **state)
{
	enum fuse_audit_mode m;

	assert_int_equal(fuse_audit_mode_parse("soft_delete", &m), 0);
	assert_int_equal(m, FUSE_AUDIT_SOFT_DELETE);
	assert_int_equal(fuse_audit_mode_parse("strict", &m), 0);
	assert_int_equal(m, FUSE_AUDIT_STRICT);
	assert_int_equal(fuse_audit_mode_parse("softblock", &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_op_paths_are_the_tracers_absolute_paths),
		cmocka_unit_test(test_open_flags_name_the_ops_like_the_decoder),
		cmocka_unit_test(test_deny_and_allow),
		cmocka_unit_test(test_soft_delete_trashes_deletions_only),
		cmocka_unit_test(test_redirect_only_for_opens_else_fail_closed),
		cmocka_unit_test(test_audit_modes_on_allowed_destructive_ops),
		cmocka_unit_test(test_audit_mode_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void)
{
	printf("SKIP: built without libfuse3\n");
	return 0;
}
#endif
