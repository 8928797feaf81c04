/*
 * Opening a log: continue the chain from its last entry (server restart), cut a
 * torn final line left by a crash and record it, start a new chain when the
 * last entry cannot be trusted.
 */
#include "compat.h"
#include "log_internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "entry.h"
#include "log.h"

#define TORN_PREFIX_MAX 512

struct torn_tail {
	off_t offset, len;
	char sha256[crypto_hash_sha256_BYTES * 2 + 1];
	char prefix[TORN_PREFIX_MAX];
	size_t prefix_len;
};

static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; (p = strchr(p, '/')); p++) {
		*p = 0;
		if (mkdir(buf, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

void log_fsync_dir(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd;

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) + 1 : 1, slash ? path : ".");
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* RFC 3339 with nanoseconds, trailing zeros dropped, as Go writes a UTC time.Time. */
static void timestamp(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char frac[16] = "";
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	if (ts.tv_nsec) {
		snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
		for (n = strlen(frac); frac[n - 1] == '0'; n--)
			frac[n - 1] = 0;
	}
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

/* `{"id":...,"timestamp":...,"type":TYPE,"fields":{` — the caller closes with `}}`. */
static int event_head(struct canon_buf *b, const char *type)
{
	unsigned char u[16];
	char id[40], ts[48], head[160];

	randombytes_buf(u, sizeof(u));
	u[6] = (u[6] & 0x0F) | 0x40;
	u[8] = (u[8] & 0x3F) | 0x80;
	snprintf(id, sizeof(id),
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1],
		 u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
		 u[15]);
	timestamp(ts, sizeof(ts));
	snprintf(head, sizeof(head),
		 "{\"id\":\"%s\",\"timestamp\":\"%s\",\"type\":\"%s\",\"fields\":{", id, ts, type);
	return canon_buf_put(b, head, strlen(head));
}

static int put_kv_string(struct canon_buf *b, const char *key, const char *val, size_t n)
{
	int r = canon_put_string(b, key, strlen(key));

	if (r == 0)
		r = canon_buf_put(b, ":", 1);
	return r ? r : canon_put_string(b, val, n);
}

int log_write_boundary(struct audit_log *log, const char *reason_code, const char *reason,
		       const int64_t *prior_seq, const char *prior_hash, const char *archived_to)
{
	struct canon_buf b = {0};
	char fp[7 + 33], tmp[96];
	int r = event_head(&b, "integrity_chain_rotated");

	chain_key_fingerprint(&log->key, fp);
	if (r == 0)
		r = put_kv_string(&b, "reason", reason, strlen(reason));
	if (r == 0)
		r = canon_buf_put(&b, ",", 1);
	if (r == 0)
		r = put_kv_string(&b, "reason_code", reason_code, strlen(reason_code));
	snprintf(tmp, sizeof(tmp), ",\"new_chain\":{\"format_version\":%d,\"sequence\":0,",
		 AUDIT_FORMAT_VERSION);
	if (r == 0)
		r = canon_buf_put(&b, tmp, strlen(tmp));
	if (r == 0)
		r = put_kv_string(&b, "key_fingerprint", fp, strlen(fp));
	if (r == 0 && prior_seq) {
		snprintf(tmp, sizeof(tmp),
			 "},\"prior_chain_summary\":{\"last_sequence_seen_in_log\":%" PRId64 ",",
			 *prior_seq);
		r = canon_buf_put(&b, tmp, strlen(tmp));
		if (r == 0)
			r = put_kv_string(&b, "last_entry_hash_seen_in_log", prior_hash,
					  strlen(prior_hash));
	}
	if (r == 0 && archived_to) {
		r = canon_buf_put(&b, "},", 2);
		if (r == 0)
			r = put_kv_string(&b, "prior_log_archived_to", archived_to,
					  strlen(archived_to));
		if (r == 0)
			r = canon_buf_put(&b, "}}", 2);
	} else if (r == 0) {
		r = canon_buf_put(&b, "}}}", 3);
	}
	if (r == 0)
		r = log_append_locked(log, b.p, b.len, true);
	canon_buf_release(&b);
	return r;
}

static int read_range(int fd, off_t start, off_t end, char **out)
{
	size_t n = (size_t)(end - start), got = 0;
	char *p = malloc(n + 1);

	if (!p)
		return -ENOMEM;
	while (got < n) {
		ssize_t r = pread(fd, p + got, n - got, start + (off_t)got);

		if (r <= 0) {
			free(p);
			return r < 0 ? -errno : -EIO;
		}
		got += (size_t)r;
	}
	p[n] = 0;
	*out = p;
	return 0;
}

/* Offset just past the last '\n' before end, or 0. */
static int line_start(int fd, off_t end, off_t *start)
{
	char buf[16384];

	for (off_t pos = end; pos > 0;) {
		size_t n = pos > (off_t)sizeof(buf) ? sizeof(buf) : (size_t)pos;

		if (pread(fd, buf, n, pos - (off_t)n) != (ssize_t)n)
			return -EIO;
		for (size_t i = n; i > 0; i--)
			if (buf[i - 1] == '\n') {
				*start = pos - (off_t)n + (off_t)i;
				return 0;
			}
		pos -= (off_t)n;
	}
	*start = 0;
	return 0;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strchr(" \t\r\n\v\f", s[i]) || !s[i])
			return false;
	return true;
}

/* The last non-blank newline-terminated line ending at or before end; -ENOENT if none. */
static int last_line(int fd, off_t end, char **line, size_t *len)
{
	while (end > 0) {
		off_t start;
		int r = line_start(fd, end - 1, &start);

		if (r < 0)
			return r;
		if (end - 1 - start > (off_t)AUDIT_MAX_LINE)
			return -E2BIG;
		if ((r = read_range(fd, start, end - 1, line)) < 0)
			return r;
		*len = (size_t)(end - 1 - start);
		if (!blank(*line, *len))
			return 0;
		free(*line);
		end = start;
	}
	return -ENOENT;
}

/* Parses line and checks it is a format-2 entry whose HMAC verifies under the log's key. */
static bool line_verifies(struct audit_log *log, const char *line, size_t len,
			  struct audit_entry *e)
{
	if (entry_parse(line, len, e, NULL) < 0)
		return false;
	return entry_hash_ok(e, &log->key, log->alg);
}

static void torn_describe(struct torn_tail *t, const char *buf, size_t n)
{
	unsigned char sum[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(sum, (const unsigned char *)buf, n);
	sodium_bin2hex(t->sha256, sizeof(t->sha256), sum, sizeof(sum));
	t->prefix_len = n < TORN_PREFIX_MAX ? n : TORN_PREFIX_MAX;
	memcpy(t->prefix, buf, t->prefix_len);
}

/* Bytes after the last newline: an entry that only lacks its "\n" keeps it, anything else is cut.
 */
static int cut_torn_tail(struct audit_log *log, struct torn_tail *t)
{
	struct audit_entry e = {0};
	off_t start;
	char last, *buf;
	int r;

	if (log->size == 0)
		return 0;
	if (pread(log->fd, &last, 1, log->size - 1) != 1)
		return -EIO;
	if (last == '\n')
		return 0;
	if ((r = line_start(log->fd, log->size, &start)) < 0)
		return r;
	t->offset = start;
	t->len = log->size - start;
	r = read_range(log->fd, start,
		       t->len > (off_t)AUDIT_MAX_LINE ? start + AUDIT_MAX_LINE : log->size, &buf);
	if (r < 0)
		return r;
	if (t->len <= (off_t)AUDIT_MAX_LINE && line_verifies(log, buf, (size_t)t->len, &e)) {
		entry_release(&e);
		free(buf);
		t->len = 0;
		if (write(log->fd, "\n", 1) != 1)
			return -EIO;
		log->size++;
		return 0;
	}
	entry_release(&e);
	torn_describe(t, buf, t->len > (off_t)AUDIT_MAX_LINE ? AUDIT_MAX_LINE : (size_t)t->len);
	free(buf);
	if (ftruncate(log->fd, start) < 0 || fdatasync(log->fd) < 0)
		return -errno;
	log->size = start;
	log_warn("audit log %s: removed a torn final line (%lld bytes at offset %lld) left by an "
		 "interrupted write; an audit_log_torn_tail entry records it",
		 log->path, (long long)t->len, (long long)t->offset);
	return 0;
}

static int record_torn(struct audit_log *log, const struct torn_tail *t)
{
	struct canon_buf b = {0};
	char tmp[128];
	int r = event_head(&b, "audit_log_torn_tail");

	if (r == 0)
		r = put_kv_string(&b, "reason", "incomplete final line from an interrupted write",
				  strlen("incomplete final line from an interrupted write"));
	snprintf(tmp, sizeof(tmp), ",\"torn_offset\":%lld,\"torn_bytes\":%lld,",
		 (long long)t->offset, (long long)t->len);
	if (r == 0)
		r = canon_buf_put(&b, tmp, strlen(tmp));
	if (r == 0)
		r = put_kv_string(&b, "torn_sha256", t->sha256, strlen(t->sha256));
	if (r == 0)
		r = canon_buf_put(&b, ",", 1);
	if (r == 0)
		r = put_kv_string(&b, "torn_prefix", t->prefix, t->prefix_len);
	if (r == 0)
		r = canon_buf_put(&b, "}}", 2);
	if (r == 0)
		r = log_append_locked(log, b.p, b.len, false);
	canon_buf_release(&b);
	return r;
}

/* Continues from the last entry of fd (this log or its newest backup). */
static int resume_from(struct audit_log *log, int fd, off_t size, const char *archived_to)
{
	struct audit_entry e = {0};
	char *line = NULL;
	size_t len = 0;
	int r = last_line(fd, size, &line, &len);
	bool ok;

	if (r == -ENOENT && !archived_to)
		return 0;
	if (r < 0 && r != -E2BIG && r != -ENOENT)
		return r;
	ok = r == 0 && line_verifies(log, line, len, &e);
	free(line);
	if (ok && !archived_to) {
		log->seq = e.sequence;
		snprintf(log->hash, sizeof(log->hash), "%s", e.entry_hash);
		entry_release(&e);
		return 0;
	}
	if (ok) {
		r = log_write_boundary(log, "size_rotation", "continuing after rotation",
				       &e.sequence, e.entry_hash, archived_to);
		entry_release(&e);
		return r;
	}
	if (r == -ENOENT)
		return log_write_boundary(log, "size_rotation", "continuing after rotation", NULL,
					  NULL, archived_to);
	log_warn("audit log %s: the last entry%s does not verify under this key; starting a new "
		 "chain",
		 log->path, archived_to ? " of the newest backup" : "");
	r = log_write_boundary(log, "resume_unverified", "last entry did not verify on open",
			       e.has_integrity ? &e.sequence : NULL,
			       e.has_integrity ? e.entry_hash : NULL, archived_to);
	entry_release(&e);
	return r;
}

static int resume_chain(struct audit_log *log)
{
	char backup[PATH_MAX];
	struct stat st;
	int fd, r;

	if (log->size > 0)
		return resume_from(log, log->fd, log->size, NULL);
	snprintf(backup, sizeof(backup), "%s.1", log->path);
	fd = open(backup, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	r = fstat(fd, &st) < 0 ? -errno : resume_from(log, fd, st.st_size, backup);
	close(fd);
	return r;
}

static int log_init(struct audit_log *log, const char *path, const struct audit_key *key,
		    enum audit_alg alg, const struct audit_log_opts *opts)
{
	long mb = opts && opts->max_size_mb > 0 ? opts->max_size_mb : 100;

	log->fd = -1;
	log->seq = -1;
	log->alg = alg;
	log->max_bytes = (off_t)mb * 1024 * 1024;
	log->rotate_at = log->max_bytes;
	log->max_backups = opts && opts->max_backups > 0 ? opts->max_backups : 3;
	log->sync_ms = !opts || opts->sync_ms == 0 ? 200 : opts->sync_ms;
	pthread_mutex_init(&log->mu, NULL);
	log->path = strdup(path);
	log->key.bytes = sodium_malloc(key->len);
	if (!log->path || !log->key.bytes)
		return -ENOMEM;
	memcpy(log->key.bytes, key->bytes, key->len);
	log->key.len = key->len;
	return 0;
}

int audit_log_open(struct audit_log **out, const char *path, const struct audit_key *key,
		   enum audit_alg alg, const struct audit_log_opts *opts)
{
	struct torn_tail torn = {0};
	struct audit_log *log;
	int r;

	*out = NULL;
	if (!path || !*path || !key || key->len < AUDIT_MIN_KEY_LEN)
		return -EINVAL;
	if (sodium_init() < 0 || !(log = calloc(1, sizeof(*log))))
		return -ENOMEM;
	r = log_init(log, path, key, alg, opts);
	if (r == 0)
		r = mkdir_parents(path);
	if (r == 0)
		r = log_open_fd(log);
	if (r == 0)
		r = cut_torn_tail(log, &torn);
	if (r == 0)
		r = resume_chain(log);
	if (r == 0 && torn.len > 0)
		r = record_torn(log, &torn);
	if (r == 0 && log->dirty)
		r = fdatasync(log->fd) < 0 ? -errno : 0;
	if (r < 0) {
		audit_log_close(log);
		return r;
	}
	*out = log;
	return 0;
}
