/* Grouping for `policy generate`: paths into recursive directory globs, hosts into *.domain. */
#include "compat.h"
#include "policy_generate.h"

#include <stdio.h>

struct dir_stats {
	struct tally direct;   /* dir -> paths directly in it */
	struct tally children; /* dir -> subdirectories holding paths */
	struct tally all;      /* every ancestor directory seen */
};

static void parent_of(const char *path, char *out, size_t len)
{
	const char *s = strrchr(path, '/');

	if (!s || s == path)
		snprintf(out, len, "/");
	else
		snprintf(out, len, "%.*s", (int)(s - path), path);
}

static int dir_depth(const char *d)
{
	int n = 0;

	for (; *d; d++)
		n += *d == '/' && d[1];
	return n;
}

static bool is_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

static int dir_stats_add(struct dir_stats *st, const char *path)
{
	char d[4096], up[4096];

	parent_of(path, d, sizeof(d));
	if (!tally_bump(&st->direct, d, 0))
		return -ENOMEM;
	while (strcmp(d, "/") != 0 && !tally_find(&st->all, d)) {
		if (!tally_get(&st->all, d))
			return -ENOMEM;
		parent_of(d, up, sizeof(up));
		if (!tally_bump(&st->children, up, 0))
			return -ENOMEM;
		snprintf(d, sizeof(d), "%s", up);
	}
	return 0;
}

static bool dir_strong(const struct dir_stats *st, const char *d, int threshold)
{
	const struct tally_item *a = tally_find(&st->direct, d);
	const struct tally_item *b = tally_find(&st->children, d);

	return (a && a->count >= threshold) || (b && b->count >= threshold);
}

static bool dir_collapsible(const char *d, const struct tally *blocked, const char *home)
{
	if (dir_depth(d) < 2 && strcmp(d, "/tmp") != 0)
		return false;
	if (home && *home && is_under(home, d))
		return false;
	for (size_t i = 0; blocked && i < blocked->len; i++)
		if (is_under(blocked->items[i].key, d))
			return false;
	return true;
}

void pgen_glob_escape(const char *path, char *out, size_t len)
{
	size_t j = 0, k = 0;

	if (strncmp(path, "/proc/", 6) == 0 && path[6] >= '0' && path[6] <= '9') {
		for (k = 6; path[k] >= '0' && path[k] <= '9'; k++)
			;
		if (path[k] == '/' || path[k] == '\0')
			j = (size_t)snprintf(out, len, "/proc/*");
		else
			k = 0;
	}
	for (const char *p = path + k; *p && j + 2 < len; p++) {
		if (strchr("*?[]{}\\", *p))
			out[j++] = '\\';
		out[j++] = *p;
	}
	if (len)
		out[j < len ? j : len - 1] = '\0';
}

/* The pattern one path falls under. */
static void path_pattern(const struct dir_stats *st, const char *path, int threshold,
			 const struct tally *blocked, const char *home, char *out, size_t len)
{
	char d[4096], up[4096], esc[4096];

	parent_of(path, d, sizeof(d));
	while (strcmp(d, "/") != 0) {
		if (dir_strong(st, d, threshold) && dir_collapsible(d, blocked, home)) {
			pgen_glob_escape(d, esc, sizeof(esc));
			snprintf(out, len, "%s/**", esc);
			return;
		}
		parent_of(d, up, sizeof(up));
		memcpy(d, up, strlen(up) + 1);
	}
	pgen_glob_escape(path, out, len);
}

int pgen_group_paths(const struct tally *paths, int threshold, const struct tally *blocked,
		     const char *home, struct tally *out)
{
	struct dir_stats st = {0};
	char pat[4096];
	int r = 0;

	for (size_t i = 0; i < paths->len && r == 0; i++)
		r = dir_stats_add(&st, paths->items[i].key);
	for (size_t i = 0; i < paths->len && r == 0; i++) {
		struct tally_item *it;

		path_pattern(&st, paths->items[i].key, threshold, blocked, home, pat, sizeof(pat));
		it = tally_bump(out, pat, 0);
		if (!it)
			r = -ENOMEM;
		else
			it->bits |= paths->items[i].bits;
	}
	tally_release(&st.direct);
	tally_release(&st.children);
	tally_release(&st.all);
	return r;
}

static bool is_ip(const char *h)
{
	return strchr(h, ':') || strspn(h, "0123456789.") == strlen(h);
}

/* "api.github.com" -> "github.com"; NULL when the name has two labels or fewer. */
static const char *base_domain(const char *h)
{
	const char *last = strrchr(h, '.');
	const char *p;

	if (!last || last == h)
		return NULL;
	for (p = last - 1; p > h && *p != '.'; p--)
		;
	return p > h ? p + 1 : NULL;
}

static int group_one(const char *host, const char *port, const struct tally *bases,
		     struct tally *out)
{
	const char *base = is_ip(host) ? NULL : base_domain(host);
	const struct tally_item *b = base ? tally_find(bases, base) : NULL;
	char key[1024];

	if (b && b->count >= 2)
		snprintf(key, sizeof(key), "%s%s\x1f%s", b->bits ? "**." : "*.", base, port);
	else
		snprintf(key, sizeof(key), "%s\x1f%s", host, port);
	return tally_bump(out, key, 0) ? 0 : -ENOMEM;
}

int pgen_group_domains(const struct tally *hosts, struct tally *out)
{
	struct tally bases = {0}, seen = {0};
	int r = 0;

	/* bases: base -> distinct subdomain names; bits = some name is deeper than one label */
	for (size_t i = 0; i < hosts->len && r == 0; i++) {
		char host[1024];
		const char *base;

		snprintf(host, sizeof(host), "%.*s", (int)strcspn(hosts->items[i].key, "\x1f"),
			 hosts->items[i].key);
		base = is_ip(host) ? NULL : base_domain(host);
		if (!base || tally_find(&seen, host))
			continue;
		if (!tally_get(&seen, host) || !tally_bump(&bases, base, 0)) {
			r = -ENOMEM;
			break;
		}
		if (strchr(host, '.') < base - 1)
			tally_find(&bases, base)->bits = 1;
	}
	for (size_t i = 0; i < hosts->len && r == 0; i++) {
		char host[1024];
		const char *sep = strchr(hosts->items[i].key, '\x1f');

		snprintf(host, sizeof(host), "%.*s", (int)strcspn(hosts->items[i].key, "\x1f"),
			 hosts->items[i].key);
		r = group_one(host, sep ? sep + 1 : "0", &bases, out);
	}
	tally_release(&bases);
	tally_release(&seen);
	return r;
}
