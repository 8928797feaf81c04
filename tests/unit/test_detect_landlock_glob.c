/*
 * enforce/landlock.c's pure helpers: which file_rules globs Landlock can express exactly,
 * and the access bits each ABI (1..7) handles. test_detect_* links only agentsh_detect, so
 * the backend source is compiled in here.
 */
#include "enforce/landlock.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <cmocka.h>

static void expect_kind(const char *glob, enum landlock_glob_kind want, const char *path)
{
	char out[256] = "unchanged";
	enum landlock_glob_kind got = landlock_glob_kind(glob, out, sizeof(out));

	if (got != want)
		fail_msg("%s: kind %d, want %d", glob ? glob : "(null)", got, want);
	if (path)
		assert_string_equal(out, path);
}

static void test_subtree_globs(void **state)
{
	expect_kind("/home/user/**", LANDLOCK_GLOB_SUBTREE, "/home/user");
	expect_kind("/tmp/**", LANDLOCK_GLOB_SUBTREE, "/tmp");
	expect_kind("/**", LANDLOCK_GLOB_SUBTREE, "/");
	expect_kind("/etc/ssl/**", LANDLOCK_GLOB_SUBTREE, "/etc/ssl");
}

static void test_exact_paths(void **state)
{
	expect_kind("/etc/hosts", LANDLOCK_GLOB_EXACT, "/etc/hosts");
	expect_kind("/", LANDLOCK_GLOB_EXACT, "/");
	expect_kind("/a b/c.d-e_f", LANDLOCK_GLOB_EXACT, "/a b/c.d-e_f");
}

static void test_inexact_globs(void **state)
{
	static const char *const inexact[] = {
		"/home/*/x", "/tmp/*", "/tmp/*.log", "/etc/**/passwd", "/a/**/b/**", "/x?y",
		"/x/[ab]", "/x/{a,b}", "/x/{a,b}/**", "${HOME}/.ssh/**", "$HOME/x", "/a\\*b",
		"**", "*", "relative/path", "relative/**", "", "/a//b", "/a/./b", "/a/../b",
		"/a/", "/a/.", "/a/..", "/a/b/", "//**", "/a/**x", "/a**", "/a/***",
	};

	for (size_t i = 0; i < ARRAY_SIZE(inexact); i++)
		expect_kind(inexact[i], LANDLOCK_GLOB_INEXACT, NULL);
	expect_kind(NULL, LANDLOCK_GLOB_INEXACT, NULL);
}

static void test_output_too_small_is_inexact(void **state)
{
	char out[4];

	assert_int_equal(landlock_glob_kind("/abcdef/**", out, sizeof(out)), LANDLOCK_GLOB_INEXACT);
	assert_int_equal(landlock_glob_kind("/abc", out, sizeof(out)), LANDLOCK_GLOB_INEXACT);
	assert_int_equal(landlock_glob_kind("/ab", out, sizeof(out)), LANDLOCK_GLOB_EXACT);
}

static void test_handled_rights_per_abi(void **state)
{
	assert_int_equal(landlock_fs_handled(0), 0);
	assert_int_equal(landlock_fs_handled(1), 0x1fff);
	assert_int_equal(landlock_fs_handled(2), 0x3fff);              /* + REFER */
	assert_int_equal(landlock_fs_handled(3), 0x7fff);              /* + TRUNCATE */
	assert_int_equal(landlock_fs_handled(4), 0x7fff);              /* network only */
	assert_int_equal(landlock_fs_handled(5), 0xffff);              /* + IOCTL_DEV */
	assert_int_equal(landlock_fs_handled(6), 0xffff);              /* scopes only */
	assert_int_equal(landlock_fs_handled(7), 0xffff);              /* logging only */
	assert_int_equal(landlock_fs_handled(99), 0xffff);
}

static void test_perm_to_access(void **state)
{
	/* read: READ_FILE | READ_DIR; on a file only READ_FILE. */
	assert_int_equal(landlock_fs_access(LANDLOCK_PERM_READ, 7, true), LL_FS_READ_FILE |
									   LL_FS_READ_DIR);
	assert_int_equal(landlock_fs_access(LANDLOCK_PERM_READ, 7, false), LL_FS_READ_FILE);
	/* execute implies reading the binary. */
	assert_int_equal(landlock_fs_access(LANDLOCK_PERM_EXECUTE, 1, true),
			 LL_FS_EXECUTE | LL_FS_READ_FILE);
	/* write grows with the ABI: REFER from 2, TRUNCATE from 3, IOCTL_DEV from 5. */
	assert_false(landlock_fs_access(LANDLOCK_PERM_WRITE, 1, true) & LL_FS_REFER);
	assert_true(landlock_fs_access(LANDLOCK_PERM_WRITE, 2, true) & LL_FS_REFER);
	assert_false(landlock_fs_access(LANDLOCK_PERM_WRITE, 2, true) & LL_FS_TRUNCATE);
	assert_true(landlock_fs_access(LANDLOCK_PERM_WRITE, 3, true) & LL_FS_TRUNCATE);
	assert_false(landlock_fs_access(LANDLOCK_PERM_WRITE, 4, true) & LL_FS_IOCTL_DEV);
	assert_true(landlock_fs_access(LANDLOCK_PERM_WRITE, 5, true) & LL_FS_IOCTL_DEV);
	/* On a file, directory-only rights (make/remove/refer) are dropped: the kernel rejects them. */
	assert_int_equal(landlock_fs_access(LANDLOCK_PERM_WRITE, 7, false),
			 LL_FS_WRITE_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV);
}

static void test_ruleset_attr_size_per_abi(void **state)
{
	struct landlock_spec spec = { .restrict_fs = true, .restrict_connect = true,
				      .scopes = LANDLOCK_SCOPE_SIGNALS };
	struct ll_ruleset_attr attr;

	assert_int_equal(ruleset_attr_for(&spec, 3, &attr), 8);
	assert_int_equal(attr.handled_access_net, 0);
	assert_int_equal(ruleset_attr_for(&spec, 4, &attr), 16);
	assert_int_equal(attr.handled_access_net, LL_NET_CONNECT_TCP);
	assert_int_equal(attr.scoped, 0);
	assert_int_equal(ruleset_attr_for(&spec, 6, &attr), 24);
	assert_int_equal(attr.scoped, LL_SCOPE_SIGNAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subtree_globs),
		cmocka_unit_test(test_exact_paths),
		cmocka_unit_test(test_inexact_globs),
		cmocka_unit_test(test_output_too_small_is_inexact),
		cmocka_unit_test(test_handled_rights_per_abi),
		cmocka_unit_test(test_perm_to_access),
		cmocka_unit_test(test_ruleset_attr_size_per_abi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
