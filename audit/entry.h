/* One parsed log line: its integrity metadata and the canonical payload it signs. */
#ifndef AGENTSH_AUDIT_ENTRY_H
#define AGENTSH_AUDIT_ENTRY_H

#include "canon.h"
#include "chain.h"

struct audit_entry {
	struct canon_doc *doc;
	const struct canon_value *root;
	bool has_integrity;
	int64_t format_version, sequence;
	const char *prev_hash, *entry_hash; /* decoded strings, NUL-terminated */
	size_t prev_len, entry_len;
	const char *type;	  /* top-level "type" string, or "" */
	struct canon_buf payload; /* canonical JSON without "integrity" */
};

/*
 * Parses one line. -EINVAL: not a JSON object (err says where and whether the
 * input simply ended early); -EBADMSG: "integrity" present but not
 * {format_version, sequence, prev_hash, entry_hash} of the right types.
 */
int entry_parse(const char *line, size_t len, struct audit_entry *e, struct canon_error *err);
void entry_release(struct audit_entry *e);

/* True if the entry's entry_hash is the HMAC of its metadata and payload under key. */
bool entry_hash_ok(const struct audit_entry *e, const struct audit_key *key, enum audit_alg alg);

#endif /* !AGENTSH_AUDIT_ENTRY_H */
