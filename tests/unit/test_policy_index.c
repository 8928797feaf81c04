/* The rule indexes never change a decision: indexed results equal a linear
 * first-match scan over the same compiled globs, on random rule sets. */
#include "test_policy_helpers.h"

#include "policy/glob.h"

static const char *const path_pats[] = {
    "/work/proj/**",
    "/work/proj",
    "/tmp/*",
    "/etc/{passwd,shadow}",
    "/e?c/hosts",
    "/[uv]sr/lib/**",
    "/usr/lib/*.so",
    "**",
    "/**/.git/**",
    "/home/*/.ssh/**",
    "/",
    "/var/log/*.log",
    "{/opt/**,/srv/*}",
    "/u*/bin/*",
    "/usr/bin/?it",
    "/home/u",
    "/dev/null",
    "*",
};
static const char *const paths[] = {
    "/work/proj/a.c",
    "/work/proj",
    "/work/projx",
    "/tmp/x",
    "/tmp/x/y",
    "/etc/passwd",
    "/etc/hosts",
    "/usr/lib/libc.so",
    "/vsr/lib/a/b",
    "/a/b/.git/config",
    "/home/u/.ssh/id",
    "/",
    "/var/log/syslog.log",
    "/opt/x/y",
    "/srv/a",
    "/usr/bin/git",
    "/home/u",
    "/dev/null",
    "relative",
    "/ubin/x",
    "",
};
static const char *const dom_pats[] = {
    "github.com",     "*.github.com",  "**.example.org", "*",	      "api.*.com",
    "x.cdn[0-9].net", "{a,b}.test.io", "*github.com",	 "localhost", "*.com",
};
static const char *const domains[] = {
    "github.com",  "api.github.com", "a.b.example.org", "example.org",	"localhost",
    "api.foo.com", "x.cdn3.net",     "b.test.io",	"mygithub.com", "a.b.c.d.com",
};
static const char *const cmd_pats[] = {
    "git",	    "python*", "/usr/bin/make", "/opt/*/bin/tool", "rm", "git.real",
    "/usr/bin/env", "[ct]c",   "node",
};
static const char *const cmds[] = {
    "/usr/bin/git",
    "/usr/bin/git.real",
    "/usr/bin/python3.11",
    "/usr/bin/make",
    "/opt/x/bin/tool",
    "/bin/rm",
    "/usr/bin/cc",
    "/usr/bin/tc",
    "/usr/local/bin/node",
    "make",
    "git",
};

static unsigned rnd(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return (*s >> 16) & 0x7fff;
}

struct gen {
	char text[16384];
	size_t n;
	int picks[24][3];
	int nrules, npick[24];
};

static void gen(struct gen *g, unsigned *seed, const char *section, const char *key,
		const char *const *pool, size_t npool)
{
	g->n = (size_t)snprintf(g->text, sizeof(g->text), "version: 1\nname: r\n%s:\n", section);
	g->nrules = 1 + (int)(rnd(seed) % 20);
	for (int r = 0; r < g->nrules; r++) {
		g->npick[r] = 1 + (int)(rnd(seed) % 3);
		g->n += (size_t)snprintf(g->text + g->n, sizeof(g->text) - g->n,
					 "  - {name: r%d, decision: allow, %s: [", r, key);
		for (int j = 0; j < g->npick[r]; j++) {
			g->picks[r][j] = (int)(rnd(seed) % npool);
			g->n += (size_t)snprintf(g->text + g->n, sizeof(g->text) - g->n, "%s'%s'",
						 j ? ", " : "", pool[g->picks[r][j]]);
		}
		g->n += (size_t)snprintf(g->text + g->n, sizeof(g->text) - g->n, "]}\n");
	}
}

/* Linear first match with the same glob semantics (sep, lowercase as the policy does). */
static int linear(const struct gen *g, const char *const *pool, char sep, const char *s)
{
	for (int r = 0; r < g->nrules; r++)
		for (int j = 0; j < g->npick[r]; j++) {
			struct glob *gl = policy_glob_compile(pool[g->picks[r][j]], sep, NULL, 0);
			bool m = policy_glob_match_str(gl, s);

			policy_glob_free(gl);
			if (m)
				return r;
		}
	return -1;
}

static void expect_rule(const struct verdict *v, int r, const char *subject)
{
	char want[16];

	if (r < 0)
		return; /* default: checked by the caller's rule prefix */
	snprintf(want, sizeof(want), "r%d", r);
	if (strcmp(v->rule, want) != 0)
		fail_msg("%s: indexed rule %s, linear %s", subject, v->rule, want);
}

static void test_file_index_matches_linear(void **state)
{
	unsigned seed = 1;

	for (int iter = 0; iter < 300; iter++) {
		struct gen g;
		struct policy *p;

		gen(&g, &seed, "file_rules", "paths", path_pats, ARRAY_SIZE(path_pats));
		p = load(g.text);
		for (size_t i = 0; i < ARRAY_SIZE(paths); i++) {
			struct verdict v;
			int r = linear(&g, path_pats, '/', paths[i]);

			policy_decide_file(p, paths[i], FOP_WRITE, &v);
			expect_rule(&v, r, paths[i]);
			if (r < 0)
				assert_string_equal(v.rule, "default-deny-files");
		}
		policy_free(p);
	}
}

static void test_network_index_matches_linear(void **state)
{
	unsigned seed = 7;

	for (int iter = 0; iter < 300; iter++) {
		struct gen g;
		struct policy *p;

		gen(&g, &seed, "network_rules", "domains", dom_pats, ARRAY_SIZE(dom_pats));
		p = load(g.text);
		for (size_t i = 0; i < ARRAY_SIZE(domains); i++) {
			struct net_query q = {.domain = domains[i], .ip = "10.0.0.1", .port = 443};
			struct verdict v;
			int r = linear(&g, dom_pats, '.', domains[i]);

			policy_decide_network(p, &q, &v);
			expect_rule(&v, r, domains[i]);
			if (r < 0)
				assert_string_equal(v.rule, "default-deny-network");
		}
		policy_free(p);
	}
}

/* Command matching: basename or full path, with the ".real" fallback. */
static int cmd_linear(const struct gen *g, const char *cmd)
{
	const char *base = strrchr(cmd, '/') ? strrchr(cmd, '/') + 1 : cmd;
	char full_norm[256], base_norm[256];

	snprintf(full_norm, sizeof(full_norm), "%s", cmd);
	snprintf(base_norm, sizeof(base_norm), "%s", base);
	if (strlen(full_norm) > 5 && strcmp(full_norm + strlen(full_norm) - 5, ".real") == 0)
		full_norm[strlen(full_norm) - 5] = 0;
	if (strlen(base_norm) > 5 && strcmp(base_norm + strlen(base_norm) - 5, ".real") == 0)
		base_norm[strlen(base_norm) - 5] = 0;
	for (int r = 0; r < g->nrules; r++)
		for (int j = 0; j < g->npick[r]; j++) {
			const char *pat = cmd_pats[g->picks[r][j]];
			bool path = strchr(pat, '/') != NULL;
			struct glob *gl = policy_glob_compile(pat, '/', NULL, 0);
			bool m = policy_glob_match_str(gl, path ? cmd : base) ||
				 policy_glob_match_str(gl, path ? full_norm : base_norm);

			policy_glob_free(gl);
			if (m)
				return r;
		}
	return -1;
}

static void test_command_index_matches_linear(void **state)
{
	unsigned seed = 42;

	for (int iter = 0; iter < 300; iter++) {
		struct gen g;
		struct policy *p;

		gen(&g, &seed, "command_rules", "commands", cmd_pats, ARRAY_SIZE(cmd_pats));
		p = load(g.text);
		for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
			const char *argv[] = {cmds[i], NULL};
			struct exec_query q = {
			    .filename = cmds[i], .argv = argv, .argc = 1, .depth = 1};
			struct verdict v;
			int r = cmd_linear(&g, cmds[i]);

			policy_decide_exec(p, &q, &v);
			if (v.unwrapped_from[0])
				continue; /* env unwrapping: covered elsewhere */
			expect_rule(&v, r, cmds[i]);
			if (r < 0)
				assert_string_equal(v.rule, "default-deny-execve");
		}
		policy_free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_index_matches_linear),
	    cmocka_unit_test(test_network_index_matches_linear),
	    cmocka_unit_test(test_command_index_matches_linear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
