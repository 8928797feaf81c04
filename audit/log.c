/* The chained JSONL writer: append, size rotation, sync policy. */
#include "compat.h"
#include "log_internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>

#include "log.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sync_policy(struct audit_log *log, bool force)
{
	int64_t now = now_ms();

	log->dirty = true;
	if (!force && log->sync_ms >= 0 && now - log->last_sync_ms < log->sync_ms)
		return 0;
	if (fdatasync(log->fd) < 0)
		return -errno;
	log->dirty = false;
	log->last_sync_ms = now;
	return 0;
}

/* One write() of the whole line; on a short write the file is cut back so no torn line stays. */
static int write_line(struct audit_log *log, const char *p, size_t n)
{
	ssize_t w;

	do
		w = write(log->fd, p, n);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)n) {
		log->size += (off_t)n;
		return 0;
	}
	if (w >= 0 && ftruncate(log->fd, log->size) < 0)
		log_warn("audit log %s: cannot remove a partial line: %s", log->path,
			 strerror(errno));
	return w < 0 ? -errno : -EIO;
}

static int integrity_json(struct canon_buf *b, int64_t seq, const char *prev, const char *hash)
{
	char head[96];
	int r;

	snprintf(head, sizeof(head),
		 "{\"format_version\":%d,\"sequence\":%" PRId64 ",\"prev_hash\":",
		 AUDIT_FORMAT_VERSION, seq);
	r = canon_buf_put(b, head, strlen(head));
	if (r == 0)
		r = canon_put_string(b, prev, strlen(prev));
	if (r == 0)
		r = canon_buf_put(b, ",\"entry_hash\":", 14);
	if (r == 0)
		r = canon_put_string(b, hash, strlen(hash));
	return r ? r : canon_buf_put(b, "}", 1);
}

/* Builds "<canonical event with integrity>\n" for the next sequence. */
static int build_line(struct audit_log *log, const struct canon_value *root, bool new_chain,
		      struct canon_buf *line, int64_t *seq, char hash[CHAIN_HASH_MAX])
{
	struct canon_buf payload = {0}, meta = {0};
	const char *prev = new_chain ? "" : log->hash;
	int r;

	if (!new_chain && log->seq == INT64_MAX)
		return -EOVERFLOW;
	*seq = new_chain ? 0 : log->seq + 1;
	r = canon_encode_object(root, "integrity", NULL, NULL, 0, &payload);
	if (r == 0)
		r = chain_entry_hash(&log->key, log->alg, AUDIT_FORMAT_VERSION, *seq, prev,
				     strlen(prev), payload.p, payload.len, hash);
	if (r == 0)
		r = integrity_json(&meta, *seq, prev, hash);
	if (r == 0)
		r = canon_encode_object(root, "integrity", "integrity", meta.p, meta.len, line);
	if (r == 0)
		r = canon_buf_put(line, "\n", 1);
	canon_buf_release(&payload);
	canon_buf_release(&meta);
	return r;
}

int log_append_locked(struct audit_log *log, const char *json, size_t len, bool new_chain)
{
	struct canon_buf line = {0};
	struct canon_doc *doc;
	char hash[CHAIN_HASH_MAX];
	int64_t seq = 0;
	int r;

	if (log->fd < 0)
		return -EBADF;
	r = canon_parse(json, len, &doc, NULL);
	if (r < 0)
		return r;
	if (canon_root(doc)->kind != CANON_OBJECT)
		r = -EINVAL;
	if (r == 0)
		r = build_line(log, canon_root(doc), new_chain, &line, &seq, hash);
	canon_doc_free(doc);
	if (r == 0)
		r = write_line(log, line.p, line.len);
	canon_buf_release(&line);
	if (r < 0)
		return r;
	log->seq = seq;
	memcpy(log->hash, hash, sizeof(log->hash));
	return sync_policy(log, false);
}

static int path_with_index(char *buf, size_t size, const char *path, int i)
{
	int n = snprintf(buf, size, "%s.%d", path, i);

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* LOG.(n-1) -> LOG.n ... LOG -> LOG.1, as the reference's jsonl store does. */
static int shift_backups(const char *path, int max_backups)
{
	char from[PATH_MAX], to[PATH_MAX];

	for (int i = max_backups - 1; i >= 1; i--) {
		if (path_with_index(from, sizeof(from), path, i) < 0 ||
		    path_with_index(to, sizeof(to), path, i + 1) < 0)
			return -ENAMETOOLONG;
		if (rename(from, to) < 0 && errno != ENOENT)
			return -errno;
	}
	if (path_with_index(to, sizeof(to), path, 1) < 0)
		return -ENAMETOOLONG;
	return rename(path, to) < 0 ? -errno : 0;
}

int log_open_fd(struct audit_log *log)
{
	struct stat st;

	log->fd = open(log->path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (log->fd < 0)
		return -errno;
	if (flock(log->fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EBUSY : -errno;

		log->fd = safe_close(log->fd);
		return r;
	}
	if (fstat(log->fd, &st) < 0)
		return -errno;
	log->size = st.st_size;
	return 0;
}

static int rotate_locked(struct audit_log *log)
{
	char archived[PATH_MAX];
	int64_t seq = log->seq;
	char hash[CHAIN_HASH_MAX];
	int r;

	memcpy(hash, log->hash, sizeof(hash));
	r = sync_policy(log, true);
	if (r == 0) {
		log->fd = safe_close(log->fd);
		r = shift_backups(log->path, log->max_backups);
		/* If the file was not moved, this reopens it and the chain simply goes on there. */
		if (log_open_fd(log) < 0 && r == 0)
			r = -EIO;
	}
	if (r < 0)
		return log_errno(r, "audit log %s: rotation failed", log->path);
	log_fsync_dir(log->path);
	path_with_index(archived, sizeof(archived), log->path, 1);
	return log_write_boundary(log, "size_rotation", "audit log reached its maximum size",
				  seq >= 0 ? &seq : NULL, hash, archived);
}

int audit_log_append_len(struct audit_log *log, const char *event_json, size_t len)
{
	int r = 0;

	if (!log || !event_json)
		return -EINVAL;
	if (len > AUDIT_MAX_LINE)
		return -E2BIG;
	pthread_mutex_lock(&log->mu);
	if (log->fd >= 0 && log->size > 0 && log->size >= log->rotate_at) {
		r = rotate_locked(log);
		/* A failed rotation must not drop events: keep writing here, retry 1 MiB later. */
		if (r < 0 && log->fd >= 0) {
			log->rotate_at = log->size + (1 << 20);
			r = 0;
		} else if (r == 0) {
			log->rotate_at = log->max_bytes;
		}
	}
	if (r == 0)
		r = log_append_locked(log, event_json, len, false);
	pthread_mutex_unlock(&log->mu);
	return r;
}

int audit_log_append(struct audit_log *log, const char *event_json)
{
	return audit_log_append_len(log, event_json, event_json ? strlen(event_json) : 0);
}

int audit_log_reset_chain(struct audit_log *log, const char *reason)
{
	int64_t seq;
	int r;

	pthread_mutex_lock(&log->mu);
	seq = log->seq;
	r = log_write_boundary(log, "manual", reason && *reason ? reason : "manual chain reset",
			       seq >= 0 ? &seq : NULL, log->hash, NULL);
	if (r == 0)
		r = sync_policy(log, true);
	pthread_mutex_unlock(&log->mu);
	return r;
}

void audit_log_state(struct audit_log *log, int64_t *sequence, char *hash, size_t hash_size)
{
	pthread_mutex_lock(&log->mu);
	*sequence = log->seq;
	if (hash_size)
		snprintf(hash, hash_size, "%s", log->hash);
	pthread_mutex_unlock(&log->mu);
}

int audit_log_sync(struct audit_log *log)
{
	int r = 0;

	pthread_mutex_lock(&log->mu);
	if (log->fd >= 0 && log->dirty)
		r = sync_policy(log, true);
	pthread_mutex_unlock(&log->mu);
	return r;
}

void audit_log_close(struct audit_log *log)
{
	if (!log)
		return;
	if (log->fd >= 0 && log->dirty && fdatasync(log->fd) < 0)
		log_warn("audit log %s: fdatasync: %s", log->path, strerror(errno));
	log->fd = safe_close(log->fd);
	if (log->key.bytes)
		sodium_free(log->key.bytes);
	pthread_mutex_destroy(&log->mu);
	free(log->path);
	free(log);
}
