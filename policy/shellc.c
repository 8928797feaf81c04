/*
 * Submit-time check of a command given to exec, with the `sh -c` pre-check:
 * for `<shell> -c '<simple command>'` the inner command is decided too, and
 * an explicitly matched inner rule that is strictly more restrictive wins
 * (deny > redirect/soft_delete > approve > audit > allow). Scripts we cannot
 * reduce to one command are denied by the pseudo-rules shellc-wrapper-bypass
 * (a known wrapper in a form we do not parse), shellc-opaque-script (shell
 * syntax, when the policy restricts any command) and shellc-depth-exceeded.
 */
#include "compat.h"
#include "exec.h"

#include <stdio.h>

#define SHELLC_MAX_DEPTH 4

enum derive_status { D_FALLBACK, D_OK, D_BYPASS, D_OPAQUE };

struct derived {
	char *buf;	  /* the script, tokenized in place */
	const char **tok; /* tokens; tok[0] is the command */
	int ntok;
	const char **mem; /* the token array as allocated */
};

static bool in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return true;
	return false;
}

static const char *const shells[] = {"sh", "bash", "dash", "ash", "mksh", "ksh", "zsh", NULL};
static const char *const wrappers[] = {"exec", "command", "nohup", "nice", "time", "env", NULL};
static const char *const builtins[] = {
    ":",	".",	   "break",   "continue", "eval",    "exec",	"exit",	   "export",
    "readonly", "return",  "set",     "shift",	  "trap",    "unset",	"alias",   "bg",
    "cd",	"command", "fc",      "fg",	  "getopts", "jobs",	"kill",	   "newgrp",
    "read",	"umask",   "unalias", "wait",	  "echo",    "printf",	"pwd",	   "test",
    "[",	"true",	   "false",   "bind",	  "builtin", "caller",	"compgen", "compopt",
    "complete", "coproc",  "declare", "dirs",	  "disown",  "enable",	"hash",	   "help",
    "history",	"let",	   "local",   "logout",	  "mapfile", "popd",	"pushd",   "readarray",
    "shopt",	"source",  "suspend", "times",	  "type",    "typeset", "ulimit",  "if",
    "then",	"else",	   "elif",    "fi",	  "case",    "esac",	"while",   "do",
    "done",	"for",	   "in",      "function", "select",  "time",	"until",   "{",
    "}",	"!",	   "[[",      "]]",	  NULL,
};

static bool is_shell(const char *cmd)
{
	const char *slash = strrchr(cmd, '/');
	char base[64];
	size_t n;

	cmd = slash ? slash + 1 : cmd;
	n = strlen(cmd);
	if (lower_copy(base, sizeof(base), cmd, n) < 0)
		return false;
	if (n > 5 && strcmp(base + n - 5, ".real") == 0)
		base[n - 5] = 0;
	return in(base, shells);
}

static bool safe_byte(char b)
{
	return (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') ||
	       b == '_' || b == '.' || b == '/' || b == '-';
}

/* Index of the option cluster holding 'c' after only safe options, or -1. */
static int find_c_flag(const char *const *args, int n)
{
	for (int i = 0; i < n; i++) {
		const char *a = args[i];
		bool has_c = false;

		if (a[0] != '-' || !a[1] || a[1] == '-')
			return -1;
		for (const char *c = a + 1; *c; c++) {
			if (*c == 'c')
				has_c = true;
			else if (!strchr("eufxli", *c))
				return -1;
		}
		if (has_c)
			return i;
	}
	return -1;
}

static bool has_c_anywhere(const char *const *args, int n)
{
	for (int i = 0; i < n && strcmp(args[i], "--") != 0; i++)
		if (args[i][0] == '-' && args[i][1] && args[i][1] != '-' &&
		    strchr(args[i] + 1, 'c'))
			return true;
	return false;
}

/* Skips leading NAME=VALUE words; *dirty when a VALUE has unsafe bytes. */
static char *strip_assignments(char *s, bool *dirty)
{
	for (;;) {
		char *w = s + strspn(s, " \t"), *end = w + strcspn(w, " \t"), *eq;

		if (!*w)
			return w;
		eq = memchr(w, '=', (size_t)(end - w));
		if (!eq || eq == w || (*w >= '0' && *w <= '9'))
			return w;
		for (char *c = w; c < eq; c++)
			if (!(safe_byte(*c) && *c != '.' && *c != '/' && *c != '-'))
				return w;
		for (char *c = eq + 1; c < end; c++)
			if (!safe_byte(*c)) {
				*dirty = true;
				return w;
			}
		s = end;
	}
}

/* Splits into words in place with the narrow quoting we can reason about. */
static bool tokenize(char *s, struct derived *d)
{
	enum { OUT, WORD, SQ, DQ } st = OUT;
	char *w = s;
	size_t cap = strlen(s) / 2 + 2;

	if (!(d->tok = d->mem = calloc(cap, sizeof(*d->tok))))
		return false;
	for (char *r = s; *r; r++) {
		char b = *r;

		if (st == SQ || st == DQ) {
			if ((st == SQ && b == '\'') || (st == DQ && b == '"'))
				st = WORD;
			else if (st == DQ && (b == '$' || b == '`' || b == '\\'))
				return false;
			else
				*w++ = b;
			continue;
		}
		if (b == ' ' || b == '\t') {
			if (st == WORD)
				*w++ = 0;
			st = OUT;
			continue;
		}
		if (b != '\'' && b != '"' && !safe_byte(b))
			return false;
		if (st == OUT)
			d->tok[d->ntok++] = w;
		st = b == '\'' ? SQ : b == '"' ? DQ : WORD;
		if (st == WORD)
			*w++ = b;
	}
	*w = 0;
	return st == OUT || st == WORD;
}

static bool is_int(const char *s)
{
	if (*s == '+' || *s == '-')
		s++;
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static enum derive_status strip_wrappers(struct derived *d)
{
	while (d->ntok >= 2 && in(d->tok[0], wrappers)) {
		const char *next = d->tok[1];
		int drop = 1;

		if (strcmp(d->tok[0], "command") == 0 &&
		    (strcmp(next, "-v") == 0 || strcmp(next, "-V") == 0))
			return D_FALLBACK; /* introspection: runs nothing */
		if (next[0] == '-') {
			if (!(strcmp(d->tok[0], "nice") == 0 && strcmp(next, "-n") == 0 &&
			      d->ntok >= 3 && is_int(d->tok[2])))
				return D_BYPASS;
			drop = 3;
		}
		d->tok += drop;
		d->ntok -= drop;
	}
	if (!d->ntok || in(d->tok[0], builtins))
		return D_FALLBACK;
	return D_OK;
}

static enum derive_status derive_script(const char *script, struct derived *d)
{
	bool dirty = false;
	char *s, *first;
	size_t flen;

	if (!(d->buf = strdup(script)))
		return D_OPAQUE;
	s = strip_assignments(d->buf, &dirty);
	if (dirty)
		return D_BYPASS;
	if (!*s)
		return D_FALLBACK;
	first = s;
	flen = strcspn(first, " \t");
	if (!tokenize(s, d)) {
		char head[16];

		if (flen < sizeof(head)) {
			memcpy(head, first, flen);
			head[flen] = 0;
			if (in(head, wrappers))
				return D_BYPASS;
		}
		return D_OPAQUE;
	}
	return strip_wrappers(d);
}

static enum derive_status derive(const char *cmd, const char *const *args, int nargs,
				 struct derived *d)
{
	int c;

	memset(d, 0, sizeof(*d));
	if (!is_shell(cmd))
		return D_FALLBACK;
	c = find_c_flag(args, nargs);
	if (c < 0)
		return has_c_anywhere(args, nargs) ? D_BYPASS : D_FALLBACK;
	if (c + 1 >= nargs)
		return D_FALLBACK;
	return derive_script(args[c + 1], d);
}

static void derived_release(struct derived *d)
{
	free(d->buf);
	free(d->mem);
}

static void pseudo(const struct policy *p, struct verdict *v, const char *rule, const char *msg)
{
	const void *cr = v->command_rule;

	if (decision_strictness(v->decision) >= decision_strictness(DECISION_DENY))
		return;
	verdict_init(v);
	verdict_default(p, v, DECISION_DENY, rule);
	snprintf(v->message, sizeof(v->message), "%s", msg);
	v->command_rule = cr;
}

/* Applies an explicitly matched inner rule when strictly more restrictive. */
static void consider_inner(const struct policy *p, struct verdict *v, const struct derived *d,
			   struct verdict *tmp)
{
	struct cmd_subject s;
	const void *outer_rule = v->command_rule;

	if (cmd_subject_init(&s, d->tok[0], d->tok + 1, d->ntok - 1) < 0)
		return;
	if (policy_decide_one(p, &s, 0, "default-deny-commands", tmp) &&
	    decision_strictness(tmp->decision) > decision_strictness(v->decision)) {
		memcpy(v, tmp, sizeof(*v));
		/* audit/approve run the original shell: its env_* rule still applies */
		if (v->decision == DECISION_AUDIT || v->decision == DECISION_APPROVE)
			v->command_rule = outer_rule;
	}
	cmd_subject_release(&s);
}

static void shellc_precheck(const struct policy *p, const struct exec_query *q, struct verdict *v)
{
	struct derived lv[SHELLC_MAX_DEPTH + 1];
	const char *cur = q->filename, *const *args = q->argc > 1 ? q->argv + 1 : NULL;
	int nargs = q->argc - 1, n = 0;
	enum derive_status st = D_FALLBACK;
	struct verdict *tmp = malloc(sizeof(*tmp));

	memset(lv, 0, sizeof(lv));
	for (; tmp && n <= SHELLC_MAX_DEPTH; n++) {
		st = derive(cur, args, nargs, &lv[n]);
		if (st != D_OK || n == SHELLC_MAX_DEPTH)
			break;
		consider_inner(p, v, &lv[n], tmp);
		cur = lv[n].tok[0];
		args = lv[n].tok + 1;
		nargs = lv[n].ntok - 1;
	}
	if (!tmp)
		pseudo(p, v, "shellc-opaque-script", "out of memory");
	else if (st == D_OK)
		pseudo(p, v, "shellc-depth-exceeded",
		       "nested shell-c chain exceeded max derivation depth");
	else if (st == D_BYPASS)
		pseudo(p, v, "shellc-wrapper-bypass",
		       "bypass attempt via unparsable shell-c wrapper");
	else if (st == D_OPAQUE && p->has_restrictive_command_rule && !p->opts.execve_enforced)
		pseudo(p, v, "shellc-opaque-script",
		       "opaque shell script cannot be safely parsed for policy pre-check");
	for (int i = 0; i <= n && i <= SHELLC_MAX_DEPTH; i++)
		derived_release(&lv[i]);
	free(tmp);
}

void policy_decide_submit(const struct policy *p, const struct exec_query *q, struct verdict *v)
{
	struct cmd_subject s;
	int nargs = q->argc > 1 ? q->argc - 1 : 0;

	if (cmd_subject_init(&s, q->filename, nargs ? q->argv + 1 : NULL, nargs) < 0) {
		verdict_init(v);
		verdict_default(p, v, DECISION_DENY, "default-deny-commands");
		return;
	}
	policy_decide_one(p, &s, 0, "default-deny-commands", v);
	cmd_subject_release(&s);
	if (nargs)
		shellc_precheck(p, q, v);
}
