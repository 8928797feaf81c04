/* Glob semantics (gobwas/glob with a separator). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "policy/glob.h"

static bool m(const char *pat, char sep, const char *s)
{
	char err[128];
	struct glob *g = policy_glob_compile(pat, sep, err, sizeof(err));
	bool r;

	if (!g)
		fail_msg("compile %s: %s", pat, err);
	r = policy_glob_match_str(g, s);
	policy_glob_free(g);
	return r;
}

static bool bad(const char *pat)
{
	char err[128];
	struct glob *g = policy_glob_compile(pat, '/', err, sizeof(err));

	policy_glob_free(g);
	return g == NULL;
}

static void test_star_stays_in_segment(void **state)
{
	assert_true(m("/tmp/*", '/', "/tmp/a"));
	assert_false(m("/tmp/*", '/', "/tmp/a/b"));
	assert_true(m("/tmp/*", '/', "/tmp/"));
	assert_true(m("*.txt", '/', "a.txt"));
	assert_false(m("*.txt", '/', "d/a.txt"));
	assert_true(m("/a/*/c", '/', "/a/b/c"));
	assert_false(m("/a/*/c", '/', "/a/b/x/c"));
}

static void test_super_crosses_separators(void **state)
{
	assert_true(m("/home/**", '/', "/home/u/.ssh/id_rsa"));
	assert_true(m("/home/**", '/', "/home/"));
	assert_false(m("/home/**", '/', "/home"));
	assert_true(m("**", '/', "/anything/at/all"));
	assert_true(m("/a/**/z", '/', "/a/b/c/z"));
	assert_true(m("/a/**/z", '/', "/a//z"));
	assert_false(m("/a/**/z", '/', "/a/z"));
	assert_true(m("**/.git/**", '/', "/w/p/.git/config"));
	assert_true(m("/a/**.c", '/', "/a/b/c/d.c"));
}

static void test_question_and_classes(void **state)
{
	assert_true(m("/t/?", '/', "/t/x"));
	assert_false(m("/t/?", '/', "/t//"));
	assert_false(m("/t/?", '/', "/t/xy"));
	assert_true(m("/t/[abc]", '/', "/t/b"));
	assert_false(m("/t/[abc]", '/', "/t/d"));
	assert_true(m("/t/[a-c]x", '/', "/t/cx"));
	assert_true(m("/t/[!a-c]", '/', "/t/d"));
	assert_false(m("/t/[!a-c]", '/', "/t/a"));
	assert_true(m("/t/?", '/', "/t/\xc3\xa9"));
	assert_true(m("/t/[\xc3\xa9]", '/', "/t/\xc3\xa9"));
}

static void test_braces(void **state)
{
	assert_true(m("/etc/{passwd,shadow}", '/', "/etc/shadow"));
	assert_false(m("/etc/{passwd,shadow}", '/', "/etc/group"));
	assert_true(m("/x/{a,b{c,d}}/y", '/', "/x/bd/y"));
	assert_true(m("/x/{,a}y", '/', "/x/y"));
	assert_true(m("{/a/**,/b/*}", '/', "/b/q"));
	assert_false(m("{/a/**,/b/*}", '/', "/b/q/r"));
}

static void test_escapes_and_literals(void **state)
{
	assert_true(m("/a\\*b", '/', "/a*b"));
	assert_false(m("/a\\*b", '/', "/axb"));
	assert_true(m("/exact/path", '/', "/exact/path"));
	assert_false(m("/exact/path", '/', "/exact/path2"));
	assert_true(m("", '/', ""));
	assert_false(m("", '/', "x"));
	assert_true(m("a,b}", '/', "a,b}"));
}

static void test_domain_separator(void **state)
{
	assert_true(m("*.github.com", '.', "api.github.com"));
	assert_false(m("*.github.com", '.', "a.b.github.com"));
	assert_false(m("*.github.com", '.', "github.com"));
	assert_true(m("**.github.com", '.', "a.b.github.com"));
	assert_true(m("*", '.', "localhost"));
	assert_false(m("*", '.', "example.com"));
}

static void test_no_separator_star_is_super(void **state)
{
	assert_true(m("AWS_*", 0, "AWS_SECRET_ACCESS_KEY"));
	assert_true(m("*_TOKEN", 0, "GH/_TOKEN"));
}

static void test_syntax_errors(void **state)
{
	assert_true(bad("/a/[abc"));
	assert_true(bad("/a/{b,c"));
	assert_true(bad("/a/[]"));
	assert_true(bad("/a\\"));
	assert_true(bad("/a/[z-a]"));
	assert_true(bad("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"));
}

static void test_pathological_pattern_is_fast(void **state)
{
	char s[4001];

	memset(s, 'a', sizeof(s) - 1);
	s[sizeof(s) - 1] = 0;
	assert_false(m("**a**a**a**a**a**a**a**a**a**a**b", '/', s));
	assert_false(m("*a*a*a*a*a*a*a*a*a*a*a*b", '/', s));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_star_stays_in_segment),
	    cmocka_unit_test(test_super_crosses_separators),
	    cmocka_unit_test(test_question_and_classes),
	    cmocka_unit_test(test_braces),
	    cmocka_unit_test(test_escapes_and_literals),
	    cmocka_unit_test(test_domain_separator),
	    cmocka_unit_test(test_no_separator_star_is_super),
	    cmocka_unit_test(test_syntax_errors),
	    cmocka_unit_test(test_pathological_pattern_is_fast),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
