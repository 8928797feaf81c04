/* Builds the file, network and command rule indexes of a compiled policy. */
#include "compat.h"
#include "glob.h"
#include "internal.h"

/* The first path segment every match of the alternative has, if fixed. */
static bool alt_path_key(const char *pre, size_t len, bool exact, const char **key, size_t *klen)
{
	const char *slash;

	if (!len || pre[0] != '/')
		return false;
	slash = memchr(pre + 1, '/', len - 1);
	if (!slash && !exact)
		return false;
	return index_path_key(pre, len, key, klen);
}

/* Files under the keys of every alternative of every path; wild if any is not fixed. */
static int globs_path_keys(struct glob *const *g, size_t n, struct index_keys *k)
{
	for (size_t i = 0; i < n && !k->wild; i++)
		for (size_t a = 0; a < policy_glob_nalts(g[i]) && !k->wild; a++) {
			size_t len, klen;
			bool exact;
			const char *pre = policy_glob_alt_prefix(g[i], a, &len, &exact), *key;

			if (!alt_path_key(pre, len, exact, &key, &klen))
				k->wild = true;
			else if (index_keys_add(k, key, klen) < 0)
				return -ENOMEM;
		}
	return 0;
}

/* The last two labels every match of the alternative ends with, if fixed. */
static bool alt_domain_key(const struct glob *g, size_t a, const char **key, size_t *klen)
{
	size_t len, plen;
	bool exact;
	const char *suf;

	policy_glob_alt_prefix(g, a, &plen, &exact);
	suf = policy_glob_alt_suffix(g, a, &len);
	index_domain_key(suf, len, key, klen);
	/* a suffix must hold the dot before the two labels; an exact name is whole */
	return exact || (*klen < len);
}

static int domain_keys(const struct network_rule *r, struct index_keys *k)
{
	k->wild = r->domains.n == 0;
	for (size_t i = 0; i < r->domains.n && !k->wild; i++)
		for (size_t a = 0; a < policy_glob_nalts(r->domain_globs[i]) && !k->wild; a++) {
			const char *key;
			size_t klen;

			if (!alt_domain_key(r->domain_globs[i], a, &key, &klen))
				k->wild = true;
			else if (index_keys_add(k, key, klen) < 0)
				return -ENOMEM;
		}
	return 0;
}

/* Basename of a literal command entry, without a ".real" suffix. */
static void command_key(const struct cmd_matcher *m, const char **key, size_t *klen)
{
	const char *s = m->literal, *slash = strrchr(s, '/');

	if (m->kind == CM_PATH && slash)
		s = slash + 1;
	*key = s;
	*klen = strlen(s);
	if (*klen > 5 && strcmp(s + *klen - 5, ".real") == 0)
		*klen -= 5;
}

static int command_keys(const struct command_rule *r, struct index_keys *k)
{
	k->wild = r->commands.n == 0;
	for (size_t i = 0; i < r->commands.n && !k->wild; i++) {
		const char *key;
		size_t klen;

		if (!r->match[i].literal) {
			k->wild = true;
			break;
		}
		command_key(&r->match[i], &key, &klen);
		if (index_keys_add(k, key, klen) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int build_one(struct rule_index *ix, size_t n, const void *rules, size_t size,
		     int (*keys)(const void *rule, struct index_keys *k))
{
	struct index_keys *k = calloc(n ? n : 1, sizeof(*k));
	int r = k ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < n; i++)
		r = keys((const char *)rules + i * size, &k[i]);
	if (r == 0)
		r = index_build(ix, k, n);
	for (size_t i = 0; k && i < n; i++)
		index_keys_release(&k[i]);
	free(k);
	return r;
}

static int file_keys(const void *rule, struct index_keys *k)
{
	const struct file_rule *r = rule;

	return globs_path_keys(r->globs, r->paths.n, k);
}

static int net_keys(const void *rule, struct index_keys *k)
{
	return domain_keys(rule, k);
}

static int cmd_keys(const void *rule, struct index_keys *k)
{
	return command_keys(rule, k);
}

int policy_build_indexes(struct policy *p)
{
	int r;

	if ((r = build_one(&p->file_ix, p->file_rules.n, p->file_rules.v, sizeof(struct file_rule),
			   file_keys)) < 0 ||
	    (r = build_one(&p->net_ix, p->network_rules.n, p->network_rules.v,
			   sizeof(struct network_rule), net_keys)) < 0)
		return r;
	return build_one(&p->cmd_ix, p->command_rules.n, p->command_rules.v,
			 sizeof(struct command_rule), cmd_keys);
}

void policy_release_indexes(struct policy *p)
{
	index_release(&p->file_ix);
	index_release(&p->net_ix);
	index_release(&p->cmd_ix);
}
