/* Verifying a log's rotation set (LOG.N .. LOG.1, LOG), as `agentsh audit verify` does. */
#ifndef AGENTSH_AUDIT_VERIFY_H
#define AGENTSH_AUDIT_VERIFY_H

#include <limits.h>
#include <stdbool.h>

#include "audit.h"
#include "chain.h"

struct audit_verify_opts {
	bool tolerate_unsigned;	  /* skip lines without "integrity" */
	bool tolerate_truncation; /* accept a final line with no newline that is incomplete JSON */
	int64_t from_sequence;	  /* start at this sequence; -1: from the visible origin */
};

struct audit_verify_result {
	bool ok;
	/* When !ok: where and why. bad_sequence is the first sequence that is wrong or missing. */
	int64_t bad_sequence;
	char file[PATH_MAX];
	long line;
	char reason[512];
	/* Summary. */
	long entries, files, rotations, unsigned_skipped, torn_recorded;
	int64_t first_seq, last_seq;
	char first_loc[PATH_MAX + 24], last_loc[PATH_MAX + 24];
	char last_hash[CHAIN_HASH_MAX];
	bool truncated_tail; /* a torn final line was accepted (--tolerate-truncation) */
	char truncated_loc[PATH_MAX + 24];
};

/* Runs the verification; 0 with res->ok telling the outcome, or -errno if the log cannot be read.
 */
int audit_verify(const char *path, const struct audit_key *key, enum audit_alg alg,
		 const struct audit_verify_opts *opts, struct audit_verify_result *res);

/* The rotation set oldest first (LOG.N .. LOG.1, LOG); -ENOENT if none, -ENODATA if a backup is
 * missing. */
int audit_rotation_set(const char *path, char ***files, size_t *n, bool *base_exists);
void audit_rotation_set_free(char **files, size_t n);

#endif /* !AGENTSH_AUDIT_VERIFY_H */
