/* ${VAR} and ${VAR:-fallback} expansion: session variables, then the environment. */
#include "compat.h"
#include "internal.h"

#include <stdio.h>

static const char *lookup(const char *name, size_t n, const struct policy_vars *vars)
{
	static const struct {
		const char *name;
		size_t off;
	} session[] = {
	    {"PROJECT_ROOT", offsetof(struct policy_vars, project_root)},
	    {"GIT_ROOT", offsetof(struct policy_vars, git_root)},
	    {"HOME", offsetof(struct policy_vars, home)},
	};
	char key[256];

	if (n >= sizeof(key))
		return NULL;
	memcpy(key, name, n);
	key[n] = 0;
	for (size_t i = 0; vars && i < ARRAY_SIZE(session); i++) {
		const char *v = *(const char *const *)((const char *)vars + session[i].off);

		if (v && strcmp(key, session[i].name) == 0)
			return v;
	}
	return getenv(key);
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || (s[0] >= '0' && s[0] <= '9'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

struct buf {
	char *s;
	size_t n, cap;
};

static int buf_add(struct buf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = (b->n + n + 1) * 2;
		char *ns = realloc(b->s, cap);

		if (!ns)
			return -ENOMEM;
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = 0;
	return 0;
}

/* Expands one "${...}" whose name starts at s; returns chars consumed after "${" or -1. */
static long expand_one(const char *s, const struct policy_vars *vars, struct buf *b, char *err,
		       size_t errlen)
{
	const char *end = strchr(s, '}'), *dash = strstr(s, ":-");
	bool has_fallback = dash && dash < end;
	size_t n;
	const char *v;

	if (!end) {
		snprintf(err, errlen, "unterminated \"${\"");
		return -1;
	}
	n = has_fallback ? (size_t)(dash - s) : (size_t)(end - s);
	if (!name_ok(s, n)) {
		snprintf(err, errlen, "invalid variable name \"%.*s\"", (int)n, s);
		return -1;
	}
	v = lookup(s, n, vars);
	if (has_fallback && (!v || !*v)) {
		if (buf_add(b, dash + 2, (size_t)(end - dash - 2)) < 0)
			goto oom;
	} else if (!v) {
		snprintf(err, errlen, "undefined variable ${%.*s}", (int)n, s);
		return -1;
	} else if (buf_add(b, v, strlen(v)) < 0)
		goto oom;
	return end + 1 - s;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

char *policy_expand_vars(const char *s, const struct policy_vars *vars, char *err, size_t errlen)
{
	struct buf b = {0};

	if (buf_add(&b, "", 0) < 0) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	while (*s) {
		const char *d = strstr(s, "${");
		long used;

		if (!d)
			d = s + strlen(s);
		if (buf_add(&b, s, (size_t)(d - s)) < 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		if (!*d)
			break;
		used = expand_one(d + 2, vars, &b, err, errlen);
		if (used < 0)
			goto fail;
		s = d + 2 + used;
	}
	return b.s;
fail:
	free(b.s);
	return NULL;
}
