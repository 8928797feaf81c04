/* The HMAC of one chain entry (compat.md §5): "2|" + sequence + "|" + prev_hash + "|" + payload. */
#ifndef AGENTSH_AUDIT_CHAIN_H
#define AGENTSH_AUDIT_CHAIN_H

#include "audit.h"

/* Hex of an HMAC-SHA512 plus NUL. */
#define CHAIN_HASH_MAX 129

/* Writes the lowercase hex entry_hash into hex (CHAIN_HASH_MAX bytes). */
int chain_entry_hash(const struct audit_key *key, enum audit_alg alg, int format_version,
		     int64_t sequence, const char *prev_hash, size_t prev_len, const char *payload,
		     size_t payload_len, char hex[CHAIN_HASH_MAX]);

/* Constant-time comparison of a computed and a claimed hash. */
bool chain_hash_equal(const char *a, const char *b, size_t blen);

/* "sha256:" + hex of the first 16 bytes of SHA-256(key), as the reference's key_fingerprint. */
void chain_key_fingerprint(const struct audit_key *key, char out[7 + 33]);

#endif /* !AGENTSH_AUDIT_CHAIN_H */
