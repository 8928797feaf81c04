/*
 * Transparent command unwrapping at execve time: `sudo env X=1 nice rm -rf /`
 * is decided as the wrappers and as the payload `rm -rf /`; the most
 * restrictive explicit verdict wins, and a payload verdict wins ties.
 */
#include "compat.h"
#include "exec.h"
#include "glob.h"

#include <fnmatch.h>
#include <stdio.h>

#define UNWRAP_MAX_LEVELS 5

/* Built-in wrappers and the options of each that take a separate value. */
static const struct wrapper {
	const char *name;
	const char *const *value_opts;
} builtin_wrappers[] = {
    {"env", (const char *const[]){"-u", "--unset", "-C", "--chdir", "-S", "--split-string", NULL}},
    {"nice", (const char *const[]){"-n", "--adjustment", NULL}},
    {"nohup", NULL},
    {"sudo",
     (const char *const[]){
	 "-u", "--user",       "-g", "--group",		  "-C", "--close-from", "-D", "--chdir",
	 "-h", "--host",       "-p", "--prompt",	  "-r", "--role",	"-t", "--type",
	 "-U", "--other-user", "-T", "--command-timeout", "-R", "--chroot",	NULL}},
    {"time", (const char *const[]){"-f", "--format", "-o", "--output", NULL}},
    {"xargs", (const char *const[]){"-I", "-i", "-L", "-l", "-n", "--max-args", "-P", "--max-procs",
				    "-s", "--max-chars", "-d", "--delimiter", "-E", "-e", "-a",
				    "--arg-file", NULL}},
    {"busybox", NULL},
    {"doas", (const char *const[]){"-u", "-C", NULL}},
    {"strace", (const char *const[]){"-o", "-e", "-p", "-s", "-u", "-E", "-a", "-b", "-I", "-P",
				     "-X", "-O", "-S", "-U", NULL}},
    {"ltrace", (const char *const[]){"-o", "-e", "-p", "-s", "-u", "-n", "-a", "-l", "-L", "-x",
				     "-F", "-A", "-D", NULL}},
    /* glibc 2.36's ld.so options that take a value; it refuses unknown ones */
    {"ld-linux*", (const char *const[]){"--library-path", "--preload", "--argv0", "--inhibit-rpath",
					"--audit", "--glibc-hwcaps-prepend", "--glibc-hwcaps-mask",
					NULL}},
};

static const struct wrapper *builtin_find(const char *base)
{
	for (size_t i = 0; i < ARRAY_SIZE(builtin_wrappers); i++)
		if (fnmatch(builtin_wrappers[i].name, base, 0) == 0)
			return &builtin_wrappers[i];
	return NULL;
}

int policy_compile_transparent(struct policy *p)
{
	const struct transparent_raw *t = &p->transparent;
	size_t n = 0, nb = ARRAY_SIZE(builtin_wrappers);
	struct glob **set = calloc(nb + t->add.n + 1, sizeof(*set));
	char name[256];

	if (!set)
		return -ENOMEM;
	p->transparent_set = set;
	for (size_t i = 0; i < nb + t->add.n; i++) {
		const char *s = i < nb ? builtin_wrappers[i].name : t->add.v[i - nb];
		bool removed = false;

		for (size_t j = 0; j < t->remove.n && !removed; j++)
			removed = strcasecmp(t->remove.v[j], s) == 0;
		if (removed || lower_copy(name, sizeof(name), s, strlen(s)) < 0)
			continue;
		/* a name that is not a valid glob is matched literally */
		if (!(set[n] = policy_glob_compile(name, 0, NULL, 0))) {
			char esc[520];
			size_t k = 0;

			for (const char *c = name; *c && k + 2 < sizeof(esc); c++) {
				if (strchr("*?[]{}\\,", *c))
					esc[k++] = '\\';
				esc[k++] = *c;
			}
			esc[k] = 0;
			if (!(set[n] = policy_glob_compile(esc, 0, NULL, 0)))
				return -ENOMEM;
		}
		n++;
	}
	return 0;
}

bool policy_is_transparent(const struct policy *p, const char *base, size_t len)
{
	char name[256];

	if (lower_copy(name, sizeof(name), base, len) < 0)
		return false;
	for (size_t i = 0; p->transparent_set && p->transparent_set[i]; i++)
		if (policy_glob_match(p->transparent_set[i], name, len))
			return true;
	return false;
}

static bool takes_value(const struct wrapper *w, const char *arg)
{
	for (size_t i = 0; w && w->value_opts && w->value_opts[i]; i++)
		if (strcmp(arg, w->value_opts[i]) == 0)
			return true;
	return false;
}

static bool is_assignment(const char *a)
{
	const char *eq = strchr(a, '=');

	if (!eq || eq == a)
		return false;
	for (const char *c = a; c < eq; c++)
		if (!(*c == '_' || (*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (c > a && *c >= '0' && *c <= '9')))
			return false;
	return true;
}

/*
 * Index of the payload command in argv (after argv[0]), or -1 when there is
 * none: skips -flags (and the values of options known to take one), X=Y
 * assignments, and stops after "--".
 */
static int payload_index(const char *base, const char *const *argv, int argc)
{
	const struct wrapper *w = builtin_find(base);
	int i = 1;

	for (; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			return i + 1 < argc ? i + 1 : -1;
		if (a[0] == '-' && a[1]) {
			if (takes_value(w, a))
				i++;
			continue;
		}
		if (is_assignment(a))
			continue;
		return i;
	}
	return -1;
}

int policy_exec_payload(const char *wrapper, const char *const *argv, int argc)
{
	return payload_index(wrapper, argv, argc);
}

struct level {
	const char *const *argv;
	int argc;
	const char *cmd; /* the name judged: argv[0], or the file a loader runs */
};

static void report_payload(struct verdict *v, const char *wrapper, const struct level *payload)
{
	size_t at = 0;

	snprintf(v->unwrapped_from, sizeof(v->unwrapped_from), "%s", wrapper);
	for (int i = 0; i < payload->argc && at + 1 < sizeof(v->payload_command); i++) {
		int n = snprintf(v->payload_command + at, sizeof(v->payload_command) - at, "%s%s",
				 i ? " " : "", payload->argv[i]);

		if (n < 0)
			break;
		at += (size_t)n;
	}
	if (at >= sizeof(v->payload_command))
		v->payload_command[sizeof(v->payload_command) - 1] = 0;
}

/* Decides one level into *out; returns whether a rule matched explicitly. */
static bool decide_level(const struct policy *p, const char *command, const struct level *l,
			 int depth, struct verdict *out)
{
	struct cmd_subject s;
	bool matched;

	if (cmd_subject_init(&s, command, l->argc > 1 ? l->argv + 1 : NULL,
			     l->argc > 1 ? l->argc - 1 : 0) < 0) {
		verdict_init(out);
		verdict_default(p, out, DECISION_DENY, "default-deny-execve");
		return false;
	}
	matched = policy_decide_one(p, &s, depth, "default-deny-execve", out);
	cmd_subject_release(&s);
	return matched;
}

static const char *basename_of(const char *s)
{
	const char *slash = strrchr(s, '/');

	return slash ? slash + 1 : s;
}

void policy_decide_execve(const struct policy *p, const struct exec_query *q, struct verdict *v)
{
	struct level lv[UNWRAP_MAX_LEVELS + 2];
	int n = 1, k;
	struct verdict *tmp;
	bool matched;

	char (*res)[PATH_MAX] = NULL;

	lv[0] = (struct level){q->argv, q->argc, q->filename};
	/* The wrapper itself is q->filename; its payload is found in argv. */
	for (const char *name = basename_of(q->filename);
	     n <= UNWRAP_MAX_LEVELS && policy_is_transparent(p, name, strlen(name)); n++) {
		k = payload_index(name, lv[n - 1].argv, lv[n - 1].argc);
		if (k < 0)
			break;
		lv[n] = (struct level){lv[n - 1].argv + k, lv[n - 1].argc - k, lv[n - 1].argv[k]};
		/* ld.so opens its program by path, as exec would: judged by
		 * the file that name leads to, not by the name (a symlink). */
		if (q->resolve && fnmatch("ld-linux*", name, 0) == 0 &&
		    (res || (res = malloc(sizeof(*res) * (UNWRAP_MAX_LEVELS + 2)))) &&
		    q->resolve(q->resolve_ctx, lv[n].cmd, res[n], sizeof(res[n])) == 0)
			lv[n].cmd = res[n];
		name = basename_of(lv[n].cmd);
	}
	if (n == 1) {
		decide_level(p, q->filename, &lv[0], q->depth, v);
		return;
	}
	/* Payload first, then wrappers from the inside out: a wrapper's explicit
	 * rule replaces the verdict when it is strictly more restrictive, or as
	 * restrictive as a payload verdict that only came from the default. */
	matched = decide_level(p, lv[n - 1].cmd, &lv[n - 1], q->depth, v);
	tmp = malloc(sizeof(*tmp));
	for (k = n - 2; tmp && k >= 0; k--) {
		const char *cmd = lv[k].cmd;
		int sw, sv = decision_strictness(v->decision);

		if (!decide_level(p, cmd, &lv[k], q->depth, tmp))
			continue;
		sw = decision_strictness(tmp->decision);
		if (sw > sv || (sw == sv && !matched)) {
			memcpy(v, tmp, sizeof(*v));
			matched = true;
		}
	}
	if (!tmp) {
		verdict_init(v);
		verdict_default(p, v, DECISION_DENY, "default-deny-execve");
	}
	free(tmp);
	report_payload(v, basename_of(q->filename), &lv[n - 1]);
	free(res);
}
