/*
 * Strict JSON parser and canonical encoder: re-encodes a JSON value exactly as
 * Go's encoding/json writes a map[string]any decoded with UseNumber (compat.md
 * §5): keys sorted by bytes at every level, no whitespace, numbers copied as
 * written, Go's string escaping, invalid UTF-8 as U+FFFD, last duplicate key wins.
 */
#ifndef AGENTSH_AUDIT_CANON_H
#define AGENTSH_AUDIT_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CANON_MAX_DEPTH 512
#define CANON_MAX_INPUT (64u << 20)

enum canon_kind {
	CANON_NULL,
	CANON_FALSE,
	CANON_TRUE,
	CANON_NUMBER,
	CANON_STRING,
	CANON_ARRAY,
	CANON_OBJECT
};

struct canon_member;

struct canon_value {
	enum canon_kind kind;
	size_t len;		    /* bytes of str, or count of items / members */
	const char *str;	    /* STRING: decoded bytes (may hold NUL); NUMBER: literal text */
	struct canon_value **items; /* ARRAY */
	struct canon_member **members; /* OBJECT: sorted by key, keys unique */
};

struct canon_member {
	const char *key;
	size_t klen;
	struct canon_value *val;
	size_t order;		   /* position in the input, to keep the last duplicate */
	struct canon_member *next; /* parse-time list */
};

/* Growable output buffer; always NUL-terminated after a successful put. */
struct canon_buf {
	char *p;
	size_t len, cap;
};

struct canon_doc;

struct canon_error {
	size_t offset;	     /* byte offset of the error */
	bool unexpected_end; /* input ended inside a value (a torn line) */
};

/* Parses one JSON value (surrounding whitespace allowed). -EINVAL, -E2BIG or -ENOMEM. */
int canon_parse(const char *in, size_t len, struct canon_doc **out, struct canon_error *err);
const struct canon_value *canon_root(const struct canon_doc *doc);
void canon_doc_free(struct canon_doc *doc);

/* Member of an object by key, or NULL. */
const struct canon_value *canon_get(const struct canon_value *obj, const char *key);
/* A NUMBER written as a plain integer that fits int64 (as Go's json.Number.Int64). */
bool canon_get_int64(const struct canon_value *v, int64_t *out);

int canon_encode(const struct canon_value *v, struct canon_buf *out);
/*
 * Encodes an object without its member `skip` (may be NULL) and, if ins_key is
 * given, with `"ins_key":ins_raw` (ins_raw already encoded) at its sorted place.
 */
int canon_encode_object(const struct canon_value *obj, const char *skip, const char *ins_key,
			const char *ins_raw, size_t ins_len, struct canon_buf *out);
/* Appends s as a JSON string literal with Go's escaping. */
int canon_put_string(struct canon_buf *b, const char *s, size_t n);

int canon_buf_put(struct canon_buf *b, const void *s, size_t n);
void canon_buf_release(struct canon_buf *b);

#endif /* !AGENTSH_AUDIT_CANON_H */
