/* Parses a log line the way the reference's ParseIntegrityEntry does. */
#include "compat.h"
#include "entry.h"

static bool get_string(const struct canon_value *obj, const char *key, const char **s, size_t *n)
{
	const struct canon_value *v = canon_get(obj, key);

	if (!v || v->kind != CANON_STRING)
		return false;
	*s = v->str;
	*n = v->len;
	return true;
}

static int read_integrity(const struct canon_value *meta, struct audit_entry *e)
{
	if (!meta || meta->kind != CANON_OBJECT)
		return -EBADMSG;
	if (!canon_get_int64(canon_get(meta, "format_version"), &e->format_version) ||
	    !canon_get_int64(canon_get(meta, "sequence"), &e->sequence) ||
	    !get_string(meta, "prev_hash", &e->prev_hash, &e->prev_len) ||
	    !get_string(meta, "entry_hash", &e->entry_hash, &e->entry_len))
		return -EBADMSG;
	e->has_integrity = true;
	return 0;
}

int entry_parse(const char *line, size_t len, struct audit_entry *e, struct canon_error *err)
{
	const struct canon_value *meta;
	size_t tlen;
	int r;

	memset(e, 0, sizeof(*e));
	e->type = "";
	r = canon_parse(line, len, &e->doc, err);
	if (r < 0)
		return r;
	e->root = canon_root(e->doc);
	if (e->root->kind != CANON_OBJECT) {
		if (err)
			err->unexpected_end = false;
		r = -EINVAL;
		goto fail;
	}
	get_string(e->root, "type", &e->type, &tlen);
	meta = canon_get(e->root, "integrity");
	if (meta && (r = read_integrity(meta, e)) < 0)
		goto fail;
	r = canon_encode_object(e->root, "integrity", NULL, NULL, 0, &e->payload);
	if (r == 0)
		return 0;
fail:
	entry_release(e);
	return r;
}

void entry_release(struct audit_entry *e)
{
	canon_doc_free(e->doc);
	canon_buf_release(&e->payload);
	memset(e, 0, sizeof(*e));
	e->type = "";
}

bool entry_hash_ok(const struct audit_entry *e, const struct audit_key *key, enum audit_alg alg)
{
	char hex[CHAIN_HASH_MAX];

	if (!e->has_integrity || e->format_version != AUDIT_FORMAT_VERSION)
		return false;
	if (chain_entry_hash(key, alg, (int)e->format_version, e->sequence, e->prev_hash,
			     e->prev_len, e->payload.p, e->payload.len, hex) < 0)
		return false;
	return chain_hash_equal(hex, e->entry_hash, e->entry_len);
}
