/*
 * bench_policy: cost of one policy decision (exec, file, network) against a
 * realistic ~200-rule policy, and the policy's load time. Prints medians over
 * batches; `make bench` runs it after the tracer benchmarks.
 */
#include "compat.h"
#include "policy/policy.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#define BATCHES 31
#define PER_BATCH 20000

struct buf {
	char *s;
	size_t n, cap;
};

static void add(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
static void add(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < b->cap - b->n)
			break;
		b->cap = b->cap * 2 + (size_t)n + 1024;
		if (!(b->s = realloc(b->s, b->cap)))
			exit(1);
	}
	b->n += (size_t)n;
}

/* 40 command rules, 100 file rules, 60 network rules, in the style of
 * configs/policies/bench-realistic.yaml scaled up. */
static char *realistic_policy(void)
{
	static const char *const tools[] = {
	    "ls",      "cat",  "grep", "sed",	"awk", "find", "make", "gcc",  "cc", "ld",
	    "python3", "node", "npm",  "cargo", "go",  "java", "tar",  "gzip", "jq", "curl"};
	struct buf b = {.cap = 1 << 16};
	int rules = 0;

	b.s = malloc(b.cap);
	add(&b, "version: 1\nname: bench-realistic-200\ncommand_rules:\n");
	add(&b,
	    "  - {name: redirect-force-push, commands: [git], args_patterns: ['push\\s+.*--force',"
	    " 'push\\s+-f\\b'], decision: redirect, redirect_to: {command: echo}}\n");
	add(&b, "  - {name: deny-rm-rf, commands: [rm], args_patterns: "
		"['(^|\\s)-[a-zA-Z]*[rR][a-zA-Z]*f'],"
		" decision: deny}\n");
	add(&b, "  - {name: deny-priv, commands: [sudo, su, chroot, nsenter, unshare], decision: "
		"deny}\n");
	rules += 3;
	/* one rule in six also lists a path glob, as site-local tool directories do */
	for (int i = 0; i < 36; i++, rules++)
		add(&b,
		    "  - {name: tools-%d, commands: [tool%da, tool%db, '%s%d%s', tool%dc],"
		    " decision: %s}\n",
		    i, i, i, i % 6 ? "/opt/t" : "/opt/t", i, i % 6 ? "/bin/tool" : "/bin/*", i,
		    i % 3 ? "allow" : "audit");
	add(&b, "  - {name: allow-dev, commands: [git, rm");
	for (size_t i = 0; i < ARRAY_SIZE(tools); i++)
		add(&b, ", %s", tools[i]);
	add(&b, "], decision: allow}\n");
	rules++;
	add(&b, "file_rules:\n  - {name: deny-ssh, paths: ['${HOME}/.ssh/**', /root/.ssh/**], "
		"decision: deny}\n"
		"  - {name: deny-aws, paths: ['${HOME}/.aws/**'], decision: deny}\n");
	rules += 2;
	for (int i = 0; i < 40; i++, rules++)
		add(&b,
		    "  - {name: proj-%d, paths: ['${PROJECT_ROOT}/pkg%d/**', "
		    "'${PROJECT_ROOT}/pkg%d'],"
		    " operations: [read, write, create, delete, mkdir], decision: allow}\n",
		    i, i, i);
	for (int i = 0; i < 40; i++, rules++)
		add(&b,
		    "  - {name: cache-%d, paths: ['${HOME}/.cache/tool%d/**', "
		    "'/var/cache/t%d/*.db'],"
		    " operations: ['*'], decision: %s}\n",
		    i, i, i, i % 4 ? "allow" : "audit");
	add(&b,
	    "  - {name: allow-tmp, paths: [/tmp/**], operations: ['*'], decision: allow}\n"
	    "  - {name: allow-etc-read, paths: [/etc/hosts, /etc/ssl/**, '/etc/{passwd,group}'],"
	    " operations: [read, open, stat], decision: allow}\n");
	rules += 2;
	for (int i = 0; i < 15; i++, rules++)
		add(&b,
		    "  - {name: sys-%d, paths: ['/usr/share/d%d/**'], operations: [read, open, "
		    "stat],"
		    " decision: allow}\n",
		    i, i);
	add(&b, "  - {name: default-deny, paths: ['**'], decision: deny}\n");
	rules++;
	add(&b, "network_rules:\n  - {name: allow-localhost, cidrs: [127.0.0.1/32, '::1/128'], "
		"decision: allow}\n"
		"  - {name: deny-metadata, cidrs: [169.254.169.254/32], decision: deny}\n");
	rules += 2;
	for (int i = 0; i < 55; i++, rules++)
		add(&b,
		    "  - {name: svc-%d, domains: [svc%d.example.com, '*.cdn%d.net'], ports: [443, "
		    "80],"
		    " decision: %s}\n",
		    i, i, i, i % 5 ? "allow" : "approve");
	add(&b, "  - {name: lan, cidrs: [10.0.0.0/8, 192.168.0.0/16], ports: [22, 443], decision: "
		"audit}\n"
		"  - {name: github, domains: [github.com, '*.github.com'], ports: [443, 22], "
		"decision: allow}\n"
		"  - {name: default-deny, domains: ['*'], decision: deny}\n");
	rules += 3;
	fprintf(stderr, "bench_policy: generated policy with %d rules, %zu bytes\n", rules, b.n);
	return b.s;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static const struct policy_vars vars = {
    .project_root = "/work/proj", .git_root = "/work/proj", .home = "/home/u"};

static void bench_load(const char *text)
{
	double t[BATCHES];

	for (int i = 0; i < BATCHES; i++) {
		struct policy_error err;
		struct policy *p;
		double t0 = now_ns();

		if (policy_load_buffer("bench.yaml", text, strlen(text), &vars, NULL, &p, &err) <
		    0) {
			fprintf(stderr, "bench_policy: %s\n", err.message);
			exit(1);
		}
		t[i] = now_ns() - t0;
		policy_free(p);
	}
	printf("policy load (200 rules):   %8.3f ms median  (target < 5 ms)\n",
	       median(t, BATCHES) / 1e6);
}

struct query {
	int kind; /* 0 exec, 1 file, 2 network */
	const char *a;
	unsigned ops;
	const char *domain;
	int port;
};

static const char *const argv_git[] = {"git", "status", NULL};
static const char *const argv_rm[] = {"rm", "-rf", "/tmp/build", NULL};
static const char *const argv_py[] = {"python3", "-m", "pytest", "-q", NULL};
static const char *const argv_unknown[] = {"frobnicate", "--all", NULL};
static const char *const argv_tool[] = {"tool20b", "x", NULL};

static void decide(const struct policy *p, int kind, int i, struct verdict *v)
{
	static const struct {
		const char *file;
		const char *const *argv;
		int argc;
	} ex[] = {{"/usr/bin/git", argv_git, 2},
		  {"/bin/rm", argv_rm, 3},
		  {"/usr/bin/python3.11", argv_py, 4},
		  {"/usr/bin/frobnicate", argv_unknown, 2},
		  {"/usr/local/bin/tool20b", argv_tool, 2}};
	static const struct {
		const char *path;
		unsigned ops;
	} fs[] = {{"/work/proj/pkg12/src/main.c", FOP_OPEN | FOP_WRITE},
		  {"/home/u/.ssh/id_rsa", FOP_OPEN | FOP_READ},
		  {"/usr/lib/x86_64-linux-gnu/libc.so.6", FOP_OPEN | FOP_READ},
		  {"/var/log/syslog", FOP_OPEN | FOP_WRITE},
		  {"/home/u/.cache/tool33/index.json", FOP_OPEN | FOP_WRITE | FOP_CREATE}};
	static const struct net_query nq[] = {
	    {.ip = "140.82.112.3", .domain = "api.github.com", .port = 443},
	    {.ip = "10.1.2.3", .port = 22},
	    {.ip = "151.101.1.1", .domain = "static.cdn30.net", .port = 443},
	    {.ip = "93.184.216.34", .domain = "example.org", .port = 443},
	    {.ip = "127.0.0.1", .port = 8080},
	};
	struct exec_query q;

	switch (kind) {
	case 0:
		q = (struct exec_query){.filename = ex[i % 5].file,
					.argv = ex[i % 5].argv,
					.argc = ex[i % 5].argc,
					.depth = 1};
		policy_decide_exec(p, &q, v);
		break;
	case 1:
		policy_decide_file(p, fs[i % 5].path, fs[i % 5].ops, v);
		break;
	default:
		policy_decide_network(p, &nq[i % 5], v);
	}
}

static void bench_decide(const struct policy *p, int kind, const char *label)
{
	static struct verdict v;
	double t[BATCHES], per_q[5][BATCHES];

	for (int b = 0; b < BATCHES; b++) {
		double t0 = now_ns();

		for (int i = 0; i < PER_BATCH; i++)
			decide(p, kind, i, &v);
		t[b] = (now_ns() - t0) / PER_BATCH;
		for (int k = 0; k < 5; k++) {
			t0 = now_ns();
			for (int i = 0; i < PER_BATCH / 5; i++)
				decide(p, kind, k, &v);
			per_q[k][b] = (now_ns() - t0) / (PER_BATCH / 5);
		}
	}
	printf("decision %-8s         %8.0f ns median  (target < 1000 ns; per query:", label,
	       median(t, BATCHES));
	for (int k = 0; k < 5; k++)
		printf(" %.0f", median(per_q[k], BATCHES));
	printf(")\n");
}

int main(void)
{
	char *text = realistic_policy();
	struct policy_error err;
	struct policy *p;

	if (policy_load_buffer("bench.yaml", text, strlen(text), &vars, NULL, &p, &err) < 0) {
		fprintf(stderr, "bench_policy: %s\n", err.message);
		return 1;
	}
	bench_load(text);
	bench_decide(p, 0, "exec");
	bench_decide(p, 1, "file");
	bench_decide(p, 2, "network");
	policy_free(p);
	free(text);
	return 0;
}
