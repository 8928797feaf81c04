/* Tamper-evident JSONL audit log (compat.md §5, integrity format_version 2). */
#ifndef AGENTSH_AUDIT_H
#define AGENTSH_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#define AUDIT_FORMAT_VERSION 2
#define AUDIT_MIN_KEY_LEN 32
/* Longest accepted event or log line, in bytes. */
#define AUDIT_MAX_LINE (64u << 20)

enum audit_alg { AUDIT_ALG_HMAC_SHA256, AUDIT_ALG_HMAC_SHA512 };

/* The HMAC key as raw bytes (never decoded from hex or base64). */
struct audit_key {
	unsigned char *bytes;
	size_t len;
};

struct audit_log_opts {
	long max_size_mb; /* rotate once the file reaches this size; <= 0 means 100 */
	int max_backups;  /* LOG.1 (newest) .. LOG.N kept; <= 0 means 3 */
	int sync_ms;	  /* fdatasync at most this often; 0 means 200 ms, < 0 every append */
};

/* "hmac-sha256" (also "" and NULL) or "hmac-sha512"; -EINVAL otherwise. */
int audit_alg_parse(const char *name, enum audit_alg *out);
const char *audit_alg_name(enum audit_alg alg);

/*
 * Loads the key: from key_file (its text with surrounding whitespace trimmed) if
 * given, else from the environment variable key_env (as is). -EINVAL if neither
 * is given or the key is empty, -EKEYREJECTED if shorter than AUDIT_MIN_KEY_LEN,
 * -errno if the file cannot be read. Never logs the key.
 */
int audit_key_load(const char *key_file, const char *key_env, struct audit_key *out);
/* Wipes and frees the key; accepts a zeroed struct. */
void audit_key_release(struct audit_key *key);

struct audit_log;

/*
 * Opens (creating it and its directory if needed) the JSONL log at path and
 * continues the chain from its last entry. A torn final line left by a crash
 * is cut off and recorded by an "audit_log_torn_tail" entry; a last entry that
 * does not verify under this key starts a new chain (integrity_chain_rotated).
 * The key is copied. opts may be NULL. Returns 0 or -errno (-EBUSY: another
 * process has the log open for writing).
 */
int audit_log_open(struct audit_log **out, const char *path, const struct audit_key *key,
		   enum audit_alg alg, const struct audit_log_opts *opts);

/*
 * Appends one event (a JSON object; a top-level "integrity" key is dropped)
 * as one chained line. Thread-safe. Returns 0, -EINVAL for input that is not
 * a JSON object, or -errno from the filesystem (the chain does not advance).
 */
int audit_log_append(struct audit_log *log, const char *event_json);
int audit_log_append_len(struct audit_log *log, const char *event_json, size_t len);

/* Starts a new chain in the same file (an integrity_chain_rotated entry at sequence 0). */
int audit_log_reset_chain(struct audit_log *log, const char *reason);

/* The last written sequence (-1 if none yet) and its entry_hash (hex, NUL-terminated). */
void audit_log_state(struct audit_log *log, int64_t *sequence, char *hash, size_t hash_size);

/* Forces the written lines to disk. */
int audit_log_sync(struct audit_log *log);

/* Syncs and closes; accepts NULL. */
void audit_log_close(struct audit_log *log);

#endif /* !AGENTSH_AUDIT_H */
