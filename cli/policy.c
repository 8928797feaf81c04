/*
 * `agentsh policy`: validate, list, show, test, keygen, sign, verify (and
 * generate, in cli/policy_generate.c). Everything here is local: no server.
 */
#include "compat.h"
#include "cli.h"
#include "config/config.h"
#include "log.h"
#include "shellwords.h"
#include "policy/policy.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

int cmd_policy_generate(int argc, char **argv, const struct cli_globals *g);

/* Fallback so the binary links when cli/policy_generate.c is not built. */
__attribute__((weak)) int cmd_policy_generate(int argc, char **argv, const struct cli_globals *g)
{
	log_error("'policy generate' is not implemented in this build");
	return 2;
}

/* Options shared by the subcommands; each uses the ones it documents. */
struct popts {
	const char *dir, *config, *exec, *file, *op, *connect, *unix_path, *signal, *target;
	const char *target_comm, *output, *label, *key, *signer, *key_dir, *expires;
	long depth, target_pid;
	bool has_depth, json, no_resolve;
	const char *pos[4]; /* positional arguments */
	int npos;
};

static const struct opt {
	const char *name;
	size_t off; /* const char * member, or (size_t)-1 for flags below */
	int flag;   /* 1 json, 2 no-resolve, 3 depth, 4 target-pid */
} opt_table[] = {
    {"--dir", offsetof(struct popts, dir), 0},
    {"--config", offsetof(struct popts, config), 0},
    {"--exec", offsetof(struct popts, exec), 0},
    {"--file", offsetof(struct popts, file), 0},
    {"--op", offsetof(struct popts, op), 0},
    {"--connect", offsetof(struct popts, connect), 0},
    {"--unix", offsetof(struct popts, unix_path), 0},
    {"--signal", offsetof(struct popts, signal), 0},
    {"--target", offsetof(struct popts, target), 0},
    {"--target-comm", offsetof(struct popts, target_comm), 0},
    {"--output", offsetof(struct popts, output), 0},
    {"-o", offsetof(struct popts, output), 0},
    {"--label", offsetof(struct popts, label), 0},
    {"--key", offsetof(struct popts, key), 0},
    {"--signer", offsetof(struct popts, signer), 0},
    {"--key-dir", offsetof(struct popts, key_dir), 0},
    {"--expires", offsetof(struct popts, expires), 0},
    {"--json", (size_t)-1, 1},
    {"--no-resolve", (size_t)-1, 2},
    {"--depth", (size_t)-1, 3},
    {"--target-pid", (size_t)-1, 4},
};

static int parse_num(const char *name, const char *v, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(v, &end, 10);
	if (!*v || *end || errno || *out < 0) {
		log_error("%s: expected a non-negative integer, got '%s'", name, v);
		return -1;
	}
	return 0;
}

static int set_opt(struct popts *o, const struct opt *t, const char *val)
{
	switch (t->flag) {
	case 1:
		o->json = true;
		return 0;
	case 2:
		o->no_resolve = true;
		return 0;
	case 3:
		o->has_depth = true;
		return parse_num(t->name, val, &o->depth);
	case 4:
		return parse_num(t->name, val, &o->target_pid);
	}
	*(const char **)((char *)o + t->off) = val;
	return 0;
}

/* argv[0] is the subcommand. Returns 0 or -1 (message logged). */
static int parse_opts(int argc, char **argv, struct popts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *eq = strchr(a, '=');
		size_t n = eq && a[0] == '-' ? (size_t)(eq - a) : strlen(a);
		size_t k;

		if (a[0] != '-' || !a[1]) {
			if (o->npos == (int)ARRAY_SIZE(o->pos))
				return log_error("too many arguments: '%s'", a), -1;
			o->pos[o->npos++] = a;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(opt_table); k++)
			if (strlen(opt_table[k].name) == n && strncmp(a, opt_table[k].name, n) == 0)
				break;
		if (k == ARRAY_SIZE(opt_table))
			return log_error("unknown option %s (see agentsh policy --help)", a), -1;
		if (opt_table[k].flag == 1 || opt_table[k].flag == 2) {
			set_opt(o, &opt_table[k], NULL);
			continue;
		}
		if (!eq && i + 1 >= argc)
			return log_error("option %s needs a value", a), -1;
		if (set_opt(o, &opt_table[k], eq ? eq + 1 : argv[++i]) < 0)
			return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: agentsh policy <command> [options]\n\n"
	    "  validate FILE|NAME                 check a policy; print its warnings\n"
	    "  list                               policies in the policy directory\n"
	    "  show NAME                          print a policy\n"
	    "  test FILE|NAME [--json] [--depth N]\n"
	    "       --exec 'CMD ARGS' | --file PATH --op OP | --connect HOST:PORT [--no-resolve]\n"
	    "       | --unix PATH|@NAME [--op OP] | --signal SIG --target RELATION\n"
	    "         [--target-comm NAME] [--target-pid PID]\n"
	    "  generate SESSION|latest [--output F] [--name N] [--threshold 5]\n"
	    "           [--include-blocked] [--arg-patterns]\n"
	    "  keygen --output DIR [--label L] [--expires RFC3339]\n"
	    "  sign FILE --key PRIVATE.json [--output SIG] [--signer NAME]\n"
	    "  verify FILE --key-dir TRUST_STORE\n\n"
	    "NAME is looked up in --dir, else policies.dir of the config (--config).\n");
}

/* The policy directory: --dir, else policies.dir of the discovered config. */
static char *policy_dir(const struct popts *o)
{
	struct config cfg;
	char err[CONFIG_ERR_LEN];
	char *dir;

	if (o->dir)
		return strdup(o->dir);
	if (config_load_discovered(o->config, &cfg, err) < 0)
		log_warn("%s (using default policy directory)", err);
	dir = cfg.policies.dir ? strdup(cfg.policies.dir) : NULL;
	config_free(&cfg);
	return dir;
}

/* FILE (contains '/' or exists) or NAME in the policy directory. */
static int resolve_policy(const struct popts *o, const char *arg, char *path, size_t len)
{
	struct stat st;
	char *dir;
	int r;

	if (strchr(arg, '/') || (stat(arg, &st) == 0 && S_ISREG(st.st_mode))) {
		snprintf(path, len, "%s", arg);
		return 0;
	}
	dir = policy_dir(o);
	r = dir ? policy_find(dir, arg, path, len) : -ENOENT;
	if (r < 0)
		log_error("policy '%s' not found in %s", arg, dir ? dir : "(no policy directory)");
	free(dir);
	return r;
}

static void warn_line(void *ctx, const char *msg)
{
	fprintf(stderr, "warning: %s\n", msg);
}

/* Session variables for the CLI: the environment, PROJECT_ROOT/GIT_ROOT
 * defaulting to the current directory when unset. */
static void cli_vars(struct policy_vars *vars, char *cwd, size_t len)
{
	if (!getcwd(cwd, len))
		snprintf(cwd, len, "/");
	vars->project_root = getenv("PROJECT_ROOT") ? NULL : cwd;
	vars->git_root = getenv("GIT_ROOT") ? NULL : cwd;
	vars->home = NULL;
}

static int load_policy(const struct popts *o, const char *arg, struct policy **p, char *path,
		       size_t len)
{
	struct policy_opts opts = {.enforce_approvals = true, .enforce_redirects = true};
	struct policy_vars vars;
	struct policy_error err;
	char cwd[PATH_MAX];

	if (resolve_policy(o, arg, path, len) < 0)
		return -1;
	cli_vars(&vars, cwd, sizeof(cwd));
	if (policy_load_file(path, &vars, &opts, p, &err) < 0) {
		fprintf(stderr, "%s\n", err.message);
		return -1;
	}
	return 0;
}

static int do_validate(const struct popts *o)
{
	char path[PATH_MAX];
	struct policy *p;

	if (o->npos != 1)
		return log_error("usage: agentsh policy validate FILE|NAME"), 2;
	if (load_policy(o, o->pos[0], &p, path, sizeof(path)) < 0)
		return 1;
	policy_for_each_warning(p, warn_line, NULL);
	printf("%s: valid (policy %s)\n", path, policy_name(p));
	policy_free(p);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_policy_file(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && ((len > 5 && strcmp(n + len - 5, ".yaml") == 0) ||
			       (len > 4 && strcmp(n + len - 4, ".yml") == 0));
}

static void list_one(const struct popts *o, const char *dir, const char *file)
{
	char path[PATH_MAX], name[256];
	struct policy *p;
	struct policy_error err;
	struct policy_vars vars;
	char cwd[PATH_MAX];

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(file, "."), file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	cli_vars(&vars, cwd, sizeof(cwd));
	if (policy_load_file(path, &vars, NULL, &p, &err) < 0) {
		printf("%-24s (invalid: %s)\n", name, err.message);
		return;
	}
	printf("%-24s %s\n", name, policy_description(p));
	policy_free(p);
}

static int do_list(const struct popts *o)
{
	char *dir = policy_dir(o), **names = NULL;
	size_t n = 0;
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;

	if (!d) {
		log_error("cannot read policy directory %s: %s", dir ? dir : "(none)",
			  strerror(dir ? errno : ENOENT));
		free(dir);
		return 1;
	}
	while ((e = readdir(d))) {
		char **nv;

		if (!is_policy_file(e->d_name) || !(nv = realloc(names, (n + 1) * sizeof(*nv))))
			continue;
		names = nv;
		if ((names[n] = strdup(e->d_name)))
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		list_one(o, dir, names[i]);
		free(names[i]);
	}
	free(names);
	free(dir);
	return 0;
}

static int do_show(const struct popts *o)
{
	char path[PATH_MAX], buf[8192];
	FILE *f;
	size_t n;

	if (o->npos != 1)
		return log_error("usage: agentsh policy show NAME"), 2;
	if (resolve_policy(o, o->pos[0], path, sizeof(path)) < 0)
		return 1;
	if (!(f = fopen(path, "r")))
		return log_error("open %s: %s", path, strerror(errno)), 1;
	printf("# %s\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stdout);
	fclose(f);
	return 0;
}

static int test_exec(const struct policy *p, const struct popts *o, struct verdict *v)
{
	size_t len = strlen(o->exec) + 1;
	char *buf = malloc(len), file[PATH_MAX];
	const char **words = calloc(len + 1, sizeof(char *));
	int n = buf && words ? shell_split(o->exec, buf, words, (int)len) : -1;
	struct exec_query q = {.argv = words,
			       .argc = n,
			       .depth = (int)o->depth,
			       .submit = !o->has_depth};

	if (n <= 0) {
		free(buf);
		free((void *)words);
		return log_error("--exec: empty command or unterminated quote"), -1;
	}
	if (q.submit)
		q.filename = words[0];
	else {
		exec_filename(words[0], file, sizeof(file));
		q.filename = file;
	}
	policy_decide_exec(p, &q, v);
	free(buf);
	free((void *)words);
	return 0;
}

static int test_file(const struct policy *p, const struct popts *o, struct verdict *v)
{
	char path[PATH_MAX], cwd[PATH_MAX], ops_buf[256];
	unsigned ops = 0;
	char *save = NULL;

	if (!o->op)
		return log_error("--file needs --op (read, write, create, delete, ...)"), -1;
	snprintf(ops_buf, sizeof(ops_buf), "%s", o->op);
	for (char *t = strtok_r(ops_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned bit = strcmp(t, "*") == 0 ? FOP_ALL : file_op_parse(t);

		if (!bit)
			return log_error("--op: unknown file operation '%s'", t), -1;
		ops |= bit;
	}
	if (o->file[0] != '/' && getcwd(cwd, sizeof(cwd)))
		snprintf(path, sizeof(path), "%s/%s", cwd, o->file);
	else
		snprintf(path, sizeof(path), "%s", o->file);
	policy_decide_file(p, path, ops, v);
	return 0;
}

/* HOST:PORT or [V6]:PORT; resolves a name unless --no-resolve. */
static int test_connect(const struct policy *p, const struct popts *o, struct verdict *v)
{
	char host[1024], ip[INET6_ADDRSTRLEN] = "";
	const char *colon = strrchr(o->connect, ':');
	unsigned char tmp[16];
	struct net_query q = {.operation = "connect"};
	long port;

	if (!colon || parse_num("--connect port", colon + 1, &port) < 0 || port > 65535)
		return log_error("--connect: expected HOST:PORT"), -1;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - o->connect), o->connect);
	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = 0;
	}
	q.port = (int)port;
	if (inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1) {
		q.ip = host;
	} else {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;

		q.domain = host;
		if (!o->no_resolve && getaddrinfo(host, NULL, &hints, &res) == 0 && res) {
			const void *a =
			    res->ai_family == AF_INET
				? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
				: (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;

			if (inet_ntop(res->ai_family, a, ip, sizeof(ip)))
				q.ip = ip;
		}
		if (res)
			freeaddrinfo(res);
	}
	policy_decide_network(p, &q, v);
	return 0;
}

static int test_signal(const struct policy *p, const struct popts *o, struct verdict *v)
{
	struct signal_query q = {.sig = policy_signal_parse(o->signal),
				 .target_comm = o->target_comm,
				 .target_pid = (pid_t)o->target_pid};

	if (!q.sig)
		return log_error("--signal: unknown signal '%s'", o->signal), -1;
	if (!o->target || !(q.relations = sig_rel_parse(o->target)))
		return log_error("--signal needs --target self|children|descendants|siblings|"
				 "session|parent|external|system|user"),
		       -1;
	/* a child is also a descendant */
	if (q.relations & SIGREL_CHILDREN)
		q.relations |= SIGREL_DESCENDANTS;
	policy_decide_signal(p, &q, v);
	return 0;
}

static void print_verdict(const struct verdict *v, bool json)
{
	if (json) {
		cJSON *o = cJSON_CreateObject();
		char *s;

		cJSON_AddStringToObject(o, "decision", decision_name(v->decision));
		cJSON_AddStringToObject(o, "effective_decision", decision_name(v->effective));
		cJSON_AddStringToObject(o, "rule", v->rule);
		cJSON_AddStringToObject(o, "message", v->message);
		s = cJSON_PrintUnformatted(o);
		printf("%s\n", s ? s : "{}");
		free(s);
		cJSON_Delete(o);
		return;
	}
	printf("decision: %s\neffective_decision: %s\nrule: %s\nmessage: %s\n",
	       decision_name(v->decision), decision_name(v->effective), v->rule, v->message);
	if (v->redirect_path[0])
		printf("redirect: %s\n", v->redirect_path);
	if (v->exec_redirect)
		printf("redirect: %s\n", v->exec_redirect->command);
	if (v->redirect_signal)
		printf("redirect: signal %d\n", v->redirect_signal);
	if (v->unwrapped_from[0])
		printf("unwrapped_from: %s\npayload_command: %s\n", v->unwrapped_from,
		       v->payload_command);
}

static int do_test(const struct popts *o)
{
	int kinds = !!o->exec + !!o->file + !!o->connect + !!o->unix_path + !!o->signal;
	char path[PATH_MAX];
	struct policy *p;
	struct verdict *v;
	int r;

	if (o->npos != 1 || kinds != 1)
		return log_error("usage: agentsh policy test FILE|NAME (--exec 'CMD' | --file PATH "
				 "--op OP | --connect HOST:PORT | --unix PATH --op OP | --signal "
				 "SIG --target T) [--depth N] [--json]"),
		       2;
	if (load_policy(o, o->pos[0], &p, path, sizeof(path)) < 0)
		return 1;
	if (!(v = malloc(sizeof(*v)))) {
		policy_free(p);
		return 1;
	}
	if (o->exec)
		r = test_exec(p, o, v);
	else if (o->file)
		r = test_file(p, o, v);
	else if (o->connect)
		r = test_connect(p, o, v);
	else if (o->unix_path)
		r = (policy_decide_unix(p, o->unix_path, o->op ? o->op : "connect", v), 0);
	else
		r = test_signal(p, o, v);
	if (r == 0)
		print_verdict(v, o->json);
	free(v);
	policy_free(p);
	return r == 0 ? 0 : 2;
}

static int do_keygen(const struct popts *o)
{
	char kid[65], err[512];

	if (!o->output || o->npos)
		return log_error("usage: agentsh policy keygen --output DIR [--label L]"), 2;
	if (mkdir(o->output, 0700) < 0 && errno != EEXIST)
		return log_error("mkdir %s: %s", o->output, strerror(errno)), 1;
	if (policy_keygen(o->output, o->label, o->expires, kid, err, sizeof(err)) < 0)
		return log_error("%s", err), 1;
	printf("key_id: %s\nprivate key: %s/private.key.json (keep it secret)\n"
	       "public key:  %s/public.key.json (copy it into the trust store)\n",
	       kid, o->output, o->output);
	return 0;
}

static int do_sign(const struct popts *o)
{
	char err[512];

	if (o->npos != 1 || !o->key)
		return log_error(
			   "usage: agentsh policy sign FILE --key PRIVATE.json [--output SIG] "
			   "[--signer NAME]"),
		       2;
	if (policy_sign_file(o->pos[0], o->key, o->output, o->signer, err, sizeof(err)) < 0)
		return log_error("%s", err), 1;
	printf("signed %s -> %s%s\n", o->pos[0], o->output ? o->output : o->pos[0],
	       o->output ? "" : ".sig");
	return 0;
}

static int do_verify(const struct popts *o)
{
	char err[512], kid[65];

	if (o->npos != 1 || !o->key_dir)
		return log_error("usage: agentsh policy verify FILE --key-dir TRUST_STORE"), 2;
	if (policy_verify_signature_ex(o->pos[0], o->key_dir, true, kid, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: signature INVALID: %s\n", o->pos[0], err);
		return 1;
	}
	printf("%s: signature valid (key %s)\n", o->pos[0], kid);
	return 0;
}

int cmd_policy(int argc, char **argv, const struct cli_globals *g)
{
	static const struct {
		const char *name;
		int (*fn)(const struct popts *o);
	} subs[] = {
	    {"validate", do_validate}, {"list", do_list}, {"show", do_show},	 {"test", do_test},
	    {"keygen", do_keygen},     {"sign", do_sign}, {"verify", do_verify},
	};
	struct popts o;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "generate") == 0)
		return cmd_policy_generate(argc - 1, argv + 1, g);
	for (size_t i = 0; i < ARRAY_SIZE(subs); i++) {
		if (strcmp(argv[1], subs[i].name) != 0)
			continue;
		if (parse_opts(argc - 1, argv + 1, &o) < 0)
			return 2;
		return subs[i].fn(&o);
	}
	log_error("unknown policy command '%s' (see agentsh policy --help)", argv[1]);
	return 2;
}
