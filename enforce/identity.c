/*
 * Files compared by identity as well as by name (threat model 2, 16): at
 * start the protected subtrees are scanned and each file's (device, inode)
 * recorded with its protected name; an op on another name of the same file
 * (hard link, renamed parent, bind mount) is also decided as that name.
 */
#include "compat.h"
#include "enforce_int.h"
#include "log.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <dirent.h>
#include <sys/stat.h>

#define IDENTITY_MAX 20000
#define IDENTITY_DEPTH 16

struct identity {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct identity_index {
	struct identity *v;
	size_t n, cap;
	const struct policy *p;
};

/* The directory part of a pattern before its first metacharacter. */
static void literal_prefix(const char *pattern, char *out, size_t cap)
{
	size_t meta = strcspn(pattern, "*?[{\\");
	char *slash;

	snprintf(out, cap, "%.*s", (int)meta, pattern);
	if (pattern[meta]) {
		slash = strrchr(out, '/');
		if (slash)
			slash[slash == out] = 0;
	}
}

static int add(struct identity_index *ix, const struct stat *st, const char *path)
{
	if (ix->n == ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 64;
		struct identity *v = realloc(ix->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		ix->v = v;
		ix->cap = cap;
	}
	ix->v[ix->n].dev = st->st_dev;
	ix->v[ix->n].ino = st->st_ino;
	ix->v[ix->n].path = strdup(path);
	ix->n++;
	return 0;
}

/* Records path if the policy protects it, then descends into directories. */
static void scan(struct identity_index *ix, const char *path, int depth)
{
	struct verdict v;
	struct stat st;
	char child[PATH_MAX];
	DIR *d;
	struct dirent *de;

	if (ix->n >= IDENTITY_MAX || lstat(path, &st) < 0)
		return;
	policy_decide_file(ix->p, path, FOP_OPEN | FOP_READ, &v);
	if (v.effective != DECISION_ALLOW && !S_ISLNK(st.st_mode) && add(ix, &st, path) < 0)
		return;
	if (!S_ISDIR(st.st_mode) || depth >= IDENTITY_DEPTH || !(d = opendir(path)))
		return;
	while ((de = readdir(d)) && ix->n < IDENTITY_MAX) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(child, sizeof(child), "%s/%s", strcmp(path, "/") ? path : "", de->d_name);
		scan(ix, child, depth + 1);
	}
	closedir(d);
}

static void scan_pattern(void *ctx, const char *pattern)
{
	struct identity_index *ix = ctx;
	char root[PATH_MAX];

	literal_prefix(pattern, root, sizeof(root));
	/* A root of "/" or a top-level directory would mean the whole machine:
	 * those patterns are matched by name only. */
	if (root[0] != '/' || !strchr(root + 1, '/'))
		return;
	scan(ix, root, 0);
	if (ix->n >= IDENTITY_MAX)
		log_warn("protected paths under %s: more than %d files, identity checks cover the "
			 "first %d",
			 root, IDENTITY_MAX, IDENTITY_MAX);
}

static int cmp_identity(const void *a, const void *b)
{
	const struct identity *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return 0;
}

struct identity_index *identity_build(const struct policy *p, const struct policy_vars *vars)
{
	struct identity_index *ix = calloc(1, sizeof(*ix));

	if (!ix || !p)
		return ix;
	ix->p = p;
	policy_for_each_protected_pattern(p, vars, scan_pattern, ix);
	if (ix->n)
		qsort(ix->v, ix->n, sizeof(*ix->v), cmp_identity);
	return ix;
}

void identity_free(struct identity_index *ix)
{
	if (!ix)
		return;
	for (size_t i = 0; i < ix->n; i++)
		free(ix->v[i].path);
	free(ix->v);
	free(ix);
}

/* The protected name of the file at path, if it has one other than path. */
const char *identity_lookup(const struct identity_index *ix, const char *path)
{
	struct stat st;

	struct identity key, *hit;

	if (!ix || !ix->n || stat(path, &st) < 0)
		return NULL;
	key.dev = st.st_dev;
	key.ino = st.st_ino;
	hit = bsearch(&key, ix->v, ix->n, sizeof(*ix->v), cmp_identity);
	return hit && strcmp(hit->path, path) ? hit->path : NULL;
}
