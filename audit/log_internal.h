/* Shared between the writer (log.c) and its open/recovery half (log_open.c). */
#ifndef AGENTSH_AUDIT_LOG_INTERNAL_H
#define AGENTSH_AUDIT_LOG_INTERNAL_H

#include <pthread.h>
#include <sys/types.h>

#include "audit.h"
#include "canon.h"
#include "chain.h"

struct audit_log {
	pthread_mutex_t mu;
	char *path;
	int fd;
	off_t size;
	struct audit_key key;
	enum audit_alg alg;
	off_t max_bytes;
	off_t rotate_at; /* size that triggers the next rotation attempt */
	int max_backups;
	int sync_ms;
	int64_t last_sync_ms;
	bool dirty;
	int64_t seq;		   /* last written sequence, -1 before the first entry */
	char hash[CHAIN_HASH_MAX]; /* its entry_hash */
};

/* Appends one event; new_chain writes it at sequence 0 with an empty prev_hash. */
int log_append_locked(struct audit_log *log, const char *json, size_t len, bool new_chain);
/* Opens and locks log->path for appending and sets log->size. */
int log_open_fd(struct audit_log *log);
/*
 * Starts a new chain with an integrity_chain_rotated entry; prior_seq/prior_hash
 * summarise the chain it follows (prior_seq NULL: none), archived_to names the
 * file that chain now lives in (NULL: this file).
 */
int log_write_boundary(struct audit_log *log, const char *reason_code, const char *reason,
		       const int64_t *prior_seq, const char *prior_hash, const char *archived_to);
void log_fsync_dir(const char *path);

#endif /* !AGENTSH_AUDIT_LOG_INTERNAL_H */
