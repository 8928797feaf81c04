/* Chain verification over a rotation set, in the reference's order of checks. */
#include "compat.h"
#include "verify.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

#include "entry.h"

struct vstate {
	const struct audit_key *key;
	enum audit_alg alg;
	const struct audit_verify_opts *opts;
	struct audit_verify_result *res;
	int64_t expected_seq;
	char expected_prev[CHAIN_HASH_MAX * 2];
	bool seeded, started;
	/* the line being checked */
	const char *file;
	long line;
	bool is_backup, last_file, at_eof, had_newline;
};

static int index_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* Numeric suffixes N of "base.N" in dir, sorted ascending. */
static int backup_indexes(const char *dir, const char *base, long **out, size_t *n)
{
	size_t blen = strlen(base), cap = 0;
	DIR *d = opendir(dir);
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long idx;

		if (strncmp(de->d_name, base, blen) != 0 || de->d_name[blen] != '.' ||
		    !de->d_name[blen + 1] || de->d_name[blen + 1] == '-' ||
		    de->d_name[blen + 1] == '+')
			continue;
		idx = strtol(de->d_name + blen + 1, &end, 10);
		if (*end || idx < 0)
			continue;
		if (*n == cap) {
			long *p = realloc(*out, (cap = cap ? cap * 2 : 8) * sizeof(*p));

			if (!p) {
				closedir(d);
				return -ENOMEM;
			}
			*out = p;
		}
		(*out)[(*n)++] = idx;
	}
	closedir(d);
	if (*n)
		qsort(*out, *n, sizeof(**out), index_cmp);
	return 0;
}

int audit_rotation_set(const char *path, char ***files, size_t *n, bool *base_exists)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat st;
	long *idx;
	size_t count, k = 0;
	int r;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
		 slash ? path : ".");
	r = backup_indexes(dir, slash ? slash + 1 : path, &idx, &count);
	if (r < 0)
		return r;
	for (size_t i = 0; i < count; i++)
		if (idx[i] != (long)i + 1) {
			free(idx);
			*n = i + 1; /* the missing index */
			return -ENODATA;
		}
	*base_exists = stat(path, &st) == 0;
	*files = calloc(count + 1, sizeof(char *));
	for (size_t i = count; *files && i > 0; i--)
		if (asprintf(&(*files)[k++], "%s.%ld", path, idx[i - 1]) < 0)
			(*files)[k - 1] = NULL;
	if (*files && *base_exists)
		(*files)[k++] = strdup(path);
	free(idx);
	*n = k;
	if (!*files)
		return -ENOMEM;
	for (size_t i = 0; i < k; i++)
		if (!(*files)[i])
			return audit_rotation_set_free(*files, k), -ENOMEM;
	return k ? 0 : (free(*files), -ENOENT);
}

void audit_rotation_set_free(char **files, size_t n)
{
	for (size_t i = 0; files && i < n; i++)
		free(files[i]);
	free(files);
}

static bool fail(struct vstate *v, int64_t seq, const char *fmt, ...) PRINTF_LIKE(3, 4);

static bool fail(struct vstate *v, int64_t seq, const char *fmt, ...)
{
	va_list ap;

	v->res->ok = false;
	v->res->bad_sequence = seq;
	snprintf(v->res->file, sizeof(v->res->file), "%s", v->file);
	v->res->line = v->line;
	va_start(ap, fmt);
	vsnprintf(v->res->reason, sizeof(v->res->reason), fmt, ap);
	va_end(ap);
	return false;
}

static int64_t next_seq(const struct vstate *v)
{
	return v->seeded ? v->expected_seq : 0;
}

/* A line that does not parse: a tolerated torn tail, or the first broken sequence. */
static bool check_parse_error(struct vstate *v, int r, const struct canon_error *err, bool *stop)
{
	bool torn =
	    v->last_file && v->at_eof && !v->had_newline && r == -EINVAL && err->unexpected_end;

	if (torn && v->opts->tolerate_truncation) {
		v->res->truncated_tail = true;
		snprintf(v->res->truncated_loc, sizeof(v->res->truncated_loc), "%s:%ld", v->file,
			 v->line);
		*stop = true;
		return true;
	}
	if (torn)
		return fail(v, next_seq(v),
			    "truncated final line (an interrupted write); "
			    "--tolerate-truncation accepts it");
	if (r == -EBADMSG)
		return fail(v, next_seq(v), "invalid integrity metadata");
	if (r == -E2BIG)
		return fail(v, next_seq(v), "line too long");
	return fail(v, next_seq(v), "malformed JSON at byte %zu", err->offset);
}

static bool check_rotation_boundary(struct vstate *v, const struct audit_entry *e)
{
	const struct canon_value *fields = canon_get(e->root, "fields");
	const struct canon_value *prior = canon_get(fields, "prior_chain_summary");
	const struct canon_value *hash = canon_get(prior, "last_entry_hash_seen_in_log");
	int64_t last = 0;

	if (v->res->entries == 0) {
		if (!v->is_backup && prior && prior->kind != CANON_NULL &&
		    !canon_get(fields, "prior_log_archived_to"))
			return fail(v, 0, "rotation boundary: the log omits the history before it");
		return true;
	}
	if (!prior || prior->kind != CANON_OBJECT)
		return fail(v, 0, "rotation boundary: missing prior_chain_summary");
	if (!canon_get_int64(canon_get(prior, "last_sequence_seen_in_log"), &last) ||
	    last != v->expected_seq - 1)
		return fail(v, 0,
			    "rotation boundary: prior chain ended at sequence %" PRId64
			    ", the summary names another",
			    v->expected_seq - 1);
	if (!hash || hash->kind != CANON_STRING || strcmp(hash->str, v->expected_prev) != 0)
		return fail(v, 0,
			    "rotation boundary: prior chain's last entry_hash does not match");
	return true;
}

static bool check_links(struct vstate *v, const struct audit_entry *e)
{
	bool boundary =
	    strcmp(e->type, "integrity_chain_rotated") == 0 && e->sequence == 0 && e->prev_len == 0;

	if (boundary)
		return check_rotation_boundary(v, e);
	if (!v->seeded) {
		v->expected_seq = 0;
		v->expected_prev[0] = 0;
		v->seeded = true;
	}
	if (e->sequence != v->expected_seq)
		return fail(v, v->expected_seq,
			    "sequence mismatch: expected %" PRId64 ", got %" PRId64
			    " (entry missing, reordered or inserted)",
			    v->expected_seq, e->sequence);
	if (e->prev_len != strlen(v->expected_prev) || strcmp(e->prev_hash, v->expected_prev) != 0)
		return fail(v, e->sequence,
			    "chain broken: prev_hash is not the entry_hash of the entry before");
	return true;
}

/* Seeds the expected state where verification starts mid-chain. */
static bool seed(struct vstate *v, const struct audit_entry *e)
{
	if (v->opts->from_sequence >= 0 && v->res->entries == 0) {
		if (e->sequence != v->opts->from_sequence)
			return fail(v, v->opts->from_sequence,
				    "expected starting sequence %" PRId64 ", got %" PRId64,
				    v->opts->from_sequence, e->sequence);
	} else if (v->seeded || !v->is_backup || v->res->entries != 0) {
		return true;
	}
	v->expected_seq = e->sequence;
	snprintf(v->expected_prev, sizeof(v->expected_prev), "%s", e->prev_hash);
	v->seeded = true;
	return true;
}

static void record(struct vstate *v, const struct audit_entry *e)
{
	struct audit_verify_result *res = v->res;

	if (res->entries == 0) {
		res->first_seq = e->sequence;
		snprintf(res->first_loc, sizeof(res->first_loc), "%s:%ld", v->file, v->line);
	}
	res->entries++;
	res->last_seq = e->sequence;
	snprintf(res->last_loc, sizeof(res->last_loc), "%s:%ld", v->file, v->line);
	snprintf(res->last_hash, sizeof(res->last_hash), "%s", e->entry_hash);
	res->rotations += strcmp(e->type, "integrity_chain_rotated") == 0;
	res->torn_recorded += strcmp(e->type, "audit_log_torn_tail") == 0;
	v->expected_seq = e->sequence + 1;
	snprintf(v->expected_prev, sizeof(v->expected_prev), "%s", e->entry_hash);
	v->seeded = true;
}

/* --from-sequence: lines before the first signed entry at or past N are skipped. */
static bool before_start(struct vstate *v, int r, const struct audit_entry *e)
{
	if (v->opts->from_sequence < 0 || v->started)
		return false;
	if (r < 0 || !e->has_integrity || e->sequence < v->opts->from_sequence)
		return true;
	v->started = true;
	return false;
}

/* Checks one non-blank line; false once the chain is broken (res filled in). */
static bool check_line(struct vstate *v, const char *line, size_t len, bool *stop)
{
	struct canon_error err = {0};
	struct audit_entry e;
	int r = len > AUDIT_MAX_LINE ? -E2BIG : entry_parse(line, len, &e, &err);
	bool ok = true;

	if (r == -E2BIG)
		memset(&e, 0, sizeof(e));
	if (before_start(v, r, &e))
		goto out;
	if (r < 0)
		return check_parse_error(v, r, &err, stop);
	if (!e.has_integrity) {
		if (v->opts->tolerate_unsigned)
			v->res->unsigned_skipped++;
		else
			ok = fail(v, next_seq(v), "unsigned line (no integrity metadata)");
		goto out;
	}
	if (e.format_version != AUDIT_FORMAT_VERSION) {
		ok = fail(v, e.sequence, "%s format_version %" PRId64,
			  e.format_version < AUDIT_FORMAT_VERSION ? "legacy" : "unsupported",
			  e.format_version);
		goto out;
	}
	ok = seed(v, &e) && check_links(v, &e);
	if (ok && !entry_hash_ok(&e, v->key, v->alg))
		ok = fail(v, e.sequence,
			  "hash mismatch (entry modified, or wrong key or algorithm)");
	if (ok)
		record(v, &e);
out:
	entry_release(&e);
	return ok;
}

static bool is_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!s[i] || !strchr(" \t\r\n\v\f", s[i]))
			return false;
	return true;
}

static int verify_file(struct vstate *v, FILE *f)
{
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n;
	bool stop = false, ok = true;

	while (ok && !stop && (n = getline(&buf, &cap, f)) > 0) {
		const char *s = buf;
		size_t len = (size_t)n;

		v->line++;
		v->had_newline = buf[len - 1] == '\n';
		v->at_eof = !v->had_newline; /* only the last line can lack its newline */
		while (len && strchr(" \t\r\n\v\f", s[len - 1]) && s[len - 1])
			len--;
		while (len && strchr(" \t\r\n\v\f", *s) && *s)
			s++, len--;
		if (len == 0 || is_blank(s, len))
			continue;
		ok = check_line(v, s, len, &stop);
	}
	free(buf);
	return ferror(f) ? -EIO : 0;
}

static int verify_files(struct vstate *v, char **files, size_t n, bool base_exists)
{
	for (size_t i = 0; i < n && v->res->ok; i++) {
		FILE *f = fopen(files[i], "re");
		int r;

		if (!f)
			return -errno;
		v->file = files[i];
		v->line = 0;
		v->is_backup = i + 1 < n || !base_exists;
		v->last_file = i + 1 == n;
		r = verify_file(v, f);
		fclose(f);
		if (r < 0)
			return r;
	}
	if (v->res->ok && v->opts->from_sequence >= 0 && v->res->entries == 0)
		fail(v, v->opts->from_sequence, "no entry with sequence %" PRId64,
		     v->opts->from_sequence);
	return 0;
}

int audit_verify(const char *path, const struct audit_key *key, enum audit_alg alg,
		 const struct audit_verify_opts *opts, struct audit_verify_result *res)
{
	struct vstate v = {.key = key, .alg = alg, .opts = opts, .res = res, .file = path};
	char **files = NULL;
	size_t n = 0;
	bool base_exists = false;
	int r;

	memset(res, 0, sizeof(*res));
	res->ok = true;
	res->bad_sequence = -1;
	r = audit_rotation_set(path, &files, &n, &base_exists);
	if (r == -ENODATA) {
		fail(&v, -1, "backup %s.%zu is missing (history deleted)", path, n);
		return 0;
	}
	if (r < 0)
		return r;
	res->files = (long)n;
	r = verify_files(&v, files, n, base_exists);
	audit_rotation_set_free(files, n);
	return r;
}
