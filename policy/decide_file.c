/* file_rules: first match wins; reads default to allow, everything else to deny. */
#include "compat.h"
#include "glob.h"
#include "internal.h"

#include <stdio.h>

#define READ_OPS FOP_READ_OPS

static bool rule_matches(const struct file_rule *r, const char *path, size_t len, unsigned ops)
{
	if (!(r->ops & ops))
		return false;
	for (size_t i = 0; i < r->paths.n; i++)
		if (policy_glob_match(r->globs[i], path, len))
			return true;
	return false;
}

/* redirect_to + full path (preserve_tree) or + basename, joined with one '/'. */
static void redirect_target(const struct file_rule *r, const char *path, struct verdict *v)
{
	const char *tail = path;
	size_t n = strlen(r->redirect_to);

	if (!r->preserve_tree) {
		const char *slash = strrchr(path, '/');

		tail = slash ? slash + 1 : path;
	}
	while (*tail == '/')
		tail++;
	while (n > 1 && r->redirect_to[n - 1] == '/')
		n--;
	snprintf(v->redirect_path, sizeof(v->redirect_path), "%.*s/%s", (int)n, r->redirect_to,
		 tail);
}

/*
 * A rule matches when it lists any op of the set, except that an open which
 * writes or creates is not an "open" for matching: the reference reports
 * such an openat as write/create only, so a rule allowing [read, open, stat]
 * must not allow writing.
 */
void policy_decide_file(const struct policy *p, const char *abs_path, unsigned ops,
			struct verdict *v)
{
	const struct file_rule *rules = RULES(p, file_rules, struct file_rule);
	size_t len = strlen(abs_path), klen = 0, nc;
	const char *key = NULL;
	const uint32_t *cand;
	unsigned match_ops;

	verdict_init(v);
	if (!ops)
		ops = FOP_OPEN;
	match_ops = ops & (FOP_WRITE | FOP_CREATE) ? ops & ~FOP_OPEN : ops;
	if (!index_path_key(abs_path, len, &key, &klen))
		key = NULL;
	cand = index_lookup(&p->file_ix, key, klen, &nc);
	for (size_t i = 0; i < nc; i++) {
		const struct file_rule *r = &rules[cand[i]];

		if (!rule_matches(r, abs_path, len, match_ops))
			continue;
		verdict_from_rule(p, v, &r->h, true, &(struct msg_fields){.path = abs_path});
		if (r->redirect_to && v->decision == DECISION_REDIRECT)
			redirect_target(r, abs_path, v);
		return;
	}
	if (!(ops & ~READ_OPS))
		verdict_default(p, v, DECISION_ALLOW, "default-allow-reads");
	else
		verdict_default(p, v, DECISION_DENY, "default-deny-files");
}

static bool matches_everything(const struct file_rule *r)
{
	for (size_t i = 0; i < r->paths.n; i++)
		if (strcmp(r->paths.v[i], "**") == 0 || strcmp(r->paths.v[i], "/**") == 0)
			return true;
	return false;
}

/*
 * Whether every call whose op set is ops is a plain allow whatever its path:
 * then nothing is decided and only its event would be lost by not looking
 * (performance.arg_level_filter, static_allow_file). Rules are read in order
 * as the decision reads them; any rule that may match with another decision
 * (audit included: it asks for the record) answers no, with its name.
 */
bool policy_file_static_allow(const struct policy *p, unsigned ops, const char **rule)
{
	const struct file_rule *rules;
	unsigned match_ops = ops & (FOP_WRITE | FOP_CREATE) ? ops & ~FOP_OPEN : ops;

	*rule = NULL;
	if (!p)
		return true;
	rules = RULES(p, file_rules, struct file_rule);
	for (size_t i = 0; i < p->file_rules.n; i++) {
		const struct file_rule *r = &rules[i];

		if (!(r->ops & match_ops))
			continue;
		if (r->h.decision.invalid || r->h.decision.d != DECISION_ALLOW) {
			*rule = r->h.name ? r->h.name : "";
			return false;
		}
		if (matches_everything(r))
			return true; /* it decides every call of ops: none after it does */
	}
	if (ops & ~READ_OPS) {
		*rule = "default-deny-files";
		return false;
	}
	return true;
}
