/*
 * command_rules: matching one command against the rules, and the two entry
 * points (submit-time pre-check and execve-time check) built from it.
 */
#include "compat.h"
#include "exec.h"
#include "glob.h"
#include "internal.h"

#include <stdio.h>

static void set_len_norm(const char *s, size_t n, size_t *norm)
{
	*norm = (n > 5 && memcmp(s + n - 5, ".real", 5) == 0) ? n - 5 : n;
}

int cmd_subject_init(struct cmd_subject *s, const char *command, const char *const *args, int nargs)
{
	const char *slash;
	size_t n = strlen(command);

	memset(s, 0, sizeof(*s));
	s->command = command;
	s->args = args;
	s->nargs = nargs;
	if (n >= sizeof(s->full))
		return -ENAMETOOLONG;
	lower_copy(s->full, sizeof(s->full), command, n);
	s->full_len = n;
	slash = strrchr(s->full, '/');
	s->base = slash ? slash + 1 : s->full;
	s->base_len = (size_t)(s->full + n - s->base);
	set_len_norm(s->full, s->full_len, &s->full_norm);
	set_len_norm(s->base, s->base_len, &s->base_norm);
	return 0;
}

void cmd_subject_release(struct cmd_subject *s)
{
	if (s->joined != s->joined_buf)
		free(s->joined);
	s->joined = NULL;
}

const char *cmd_subject_args(struct cmd_subject *s, size_t *len)
{
	size_t n = 0, at = 0;

	if (s->joined) {
		*len = s->joined_len;
		return s->joined;
	}
	for (int i = 0; i < s->nargs; i++)
		n += strlen(s->args[i]) + 1;
	s->joined = n <= sizeof(s->joined_buf) ? s->joined_buf : malloc(n);
	if (!s->joined)
		return NULL;
	for (int i = 0; i < s->nargs; i++) {
		size_t k = strlen(s->args[i]);

		if (i)
			s->joined[at++] = ' ';
		memcpy(s->joined + at, s->args[i], k);
		at += k;
	}
	s->joined[at] = 0;
	*len = s->joined_len = at;
	return s->joined;
}

static inline bool lit_eq(const struct cmd_matcher *m, const char *b, size_t blen)
{
	return m->literal_len == blen && memcmp(m->literal, b, blen) == 0;
}

static bool matcher_hits(const struct cmd_matcher *m, const struct cmd_subject *s)
{
	const char *t = m->kind == CM_PATH ? s->full : s->base;
	size_t n = m->kind == CM_PATH ? s->full_len : s->base_len;
	size_t norm = m->kind == CM_PATH ? s->full_norm : s->base_norm;

	if (m->literal)
		return lit_eq(m, t, n) || (norm != n && lit_eq(m, t, norm));
	return policy_glob_match(m->glob, t, n) ||
	       (norm != n && policy_glob_match(m->glob, t, norm));
}

int policy_regex_match(const pcre2_code *re, const char *s, size_t len)
{
	pcre2_match_data *md = pcre2_match_data_create(1, NULL);
	int rc;

	if (!md)
		return -1;
	rc = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0 ? 1 : rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

/*
 * A regex that cannot be evaluated (out of memory, match limit) counts as
 * matching for a restrictive rule and as not matching for allow/audit, so
 * an error never opens anything.
 */
static bool args_match(const struct command_rule *r, struct cmd_subject *s)
{
	bool restrictive = decision_strictness(r->h.decision.d) > 1 || r->h.decision.invalid;
	const char *joined;
	size_t len = 0;

	if (!r->args_patterns.n)
		return true;
	joined = cmd_subject_args(s, &len);
	if (!joined)
		return restrictive;
	for (size_t i = 0; i < r->args_patterns.n; i++) {
		int m = policy_regex_match(r->re[i], joined, len);

		if (m > 0 || (m < 0 && restrictive))
			return true;
	}
	return false;
}

static bool depth_ok(const struct depth_range *d, int depth)
{
	return depth >= d->min && (d->max < 0 || depth <= d->max);
}

const struct command_rule *policy_match_command(const struct policy *p, struct cmd_subject *s,
						int depth)
{
	const struct command_rule *rules = RULES(p, command_rules, struct command_rule);
	size_t nc;
	const uint32_t *cand = index_lookup(&p->cmd_ix, s->base, s->base_norm, &nc);

	for (size_t c = 0; c < nc; c++) {
		const struct command_rule *r = &rules[cand[c]];
		bool hit = r->commands.n == 0;

		if (!depth_ok(&r->context, depth))
			continue;
		for (size_t j = 0; !hit && j < r->commands.n; j++)
			hit = matcher_hits(&r->match[j], s);
		if (hit && args_match(r, s))
			return r;
	}
	return NULL;
}

void verdict_from_command(const struct policy *p, struct verdict *v, const struct command_rule *r,
			  struct cmd_subject *s)
{
	size_t len;
	const char *args = cmd_subject_args(s, &len);

	verdict_from_rule(p, v, &r->h, false,
			  &(struct msg_fields){.command = s->command, .args = args});
	v->command_rule = r;
	if (!r->h.decision.invalid && r->h.decision.d == DECISION_REDIRECT && r->redirect.command)
		v->exec_redirect = &r->redirect;
}

/* One command (no unwrapping): the matched rule, or the default. */
bool policy_decide_one(const struct policy *p, struct cmd_subject *s, int depth,
		       const char *default_rule, struct verdict *v)
{
	const struct command_rule *r = policy_match_command(p, s, depth);

	verdict_init(v);
	if (!r) {
		verdict_default(p, v, DECISION_DENY, default_rule);
		return false;
	}
	verdict_from_command(p, v, r, s);
	return true;
}

static bool query_ok(const struct exec_query *q)
{
	if (!q->filename || q->argc < 0 || (q->argc > 0 && !q->argv))
		return false;
	for (int i = 0; i < q->argc; i++)
		if (!q->argv[i])
			return false;
	return true;
}

/* A query that cannot be judged (no filename, NULL arguments) is a deny. */
void policy_decide_exec(const struct policy *p, const struct exec_query *q, struct verdict *v)
{
	if (!query_ok(q)) {
		verdict_init(v);
		verdict_default(p, v, DECISION_DENY, "invalid-exec-query");
		return;
	}
	if (q->submit)
		policy_decide_submit(p, q, v);
	else
		policy_decide_execve(p, q, v);
}
