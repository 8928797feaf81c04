/* Canonical encoder: Go encoding/json's output for a map[string]any decoded with UseNumber. */
#include "compat.h"
#include "canon.h"

#include <limits.h>

int canon_buf_put(struct canon_buf *b, const void *s, size_t n)
{
	if (b->cap - b->len <= n) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap - b->len <= n) {
			if (cap > SIZE_MAX / 2)
				return -ENOMEM;
			cap *= 2;
		}
		p = realloc(b->p, cap);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

void canon_buf_release(struct canon_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

/* Printable ASCII that Go writes as is with HTML escaping on (DEL included). */
static bool html_safe(unsigned char c)
{
	return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&';
}

/* Length of the well-formed UTF-8 sequence at s and its code point, or 0. */
static size_t rune_at(const unsigned char *s, size_t n, unsigned long *cp)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need;

	if (c < 0xC2 || c > 0xF4)
		return 0;
	need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
	hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	*cp = c & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07);
	for (size_t i = 1; i < need; i++) {
		if (i > 1 && (s[i] < 0x80 || s[i] > 0xBF))
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3F);
	}
	return need;
}

static int put_ascii_escape(struct canon_buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	static const char from[] = "\\\"\b\f\n\r\t", to[] = "\\\"bfnrt";
	const char *hit = c ? memchr(from, c, sizeof(from) - 1) : NULL;
	char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};

	if (hit) {
		esc[1] = to[hit - from];
		return canon_buf_put(b, esc, 2);
	}
	return canon_buf_put(b, esc, 6);
}

static int put_rune(struct canon_buf *b, const unsigned char *s, size_t n, size_t *used)
{
	unsigned long cp = 0;
	size_t k = rune_at(s, n, &cp);

	if (k == 0) {
		*used = 1;
		return canon_buf_put(b, "\\ufffd", 6);
	}
	*used = k;
	if (cp == 0x2028)
		return canon_buf_put(b, "\\u2028", 6);
	if (cp == 0x2029)
		return canon_buf_put(b, "\\u2029", 6);
	return canon_buf_put(b, s, k);
}

int canon_put_string(struct canon_buf *b, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0, used = 1;
	int r = canon_buf_put(b, "\"", 1);

	while (r == 0 && i < n) {
		if (s[i] < 0x80 && html_safe(s[i])) {
			i++;
			continue;
		}
		r = canon_buf_put(b, s + start, i - start);
		if (r == 0 && s[i] < 0x80) {
			r = put_ascii_escape(b, s[i]);
			used = 1;
		} else if (r == 0) {
			r = put_rune(b, s + i, n - i, &used);
		}
		i += used;
		start = i;
	}
	if (r == 0)
		r = canon_buf_put(b, s + start, i - start);
	return r ? r : canon_buf_put(b, "\"", 1);
}

static int put_member(struct canon_buf *b, const char *key, size_t klen, bool *first)
{
	int r = *first ? 0 : canon_buf_put(b, ",", 1);

	*first = false;
	if (r == 0)
		r = canon_put_string(b, key, klen);
	return r ? r : canon_buf_put(b, ":", 1);
}

static int key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);

	return c ? c : (alen > blen) - (alen < blen);
}

static int encode_value(const struct canon_value *v, struct canon_buf *b);

static int encode_array(const struct canon_value *v, struct canon_buf *b)
{
	int r = canon_buf_put(b, "[", 1);

	for (size_t i = 0; r == 0 && i < v->len; i++) {
		if (i)
			r = canon_buf_put(b, ",", 1);
		if (r == 0)
			r = encode_value(v->items[i], b);
	}
	return r ? r : canon_buf_put(b, "]", 1);
}

int canon_encode_object(const struct canon_value *obj, const char *skip, const char *ins_key,
			const char *ins_raw, size_t ins_len, struct canon_buf *b)
{
	size_t ins_klen = ins_key ? strlen(ins_key) : 0;
	bool first = true, pending = ins_key != NULL;
	int r = canon_buf_put(b, "{", 1);

	if (obj->kind != CANON_OBJECT)
		return -EINVAL;
	for (size_t i = 0; r == 0 && i < obj->len; i++) {
		const struct canon_member *m = obj->members[i];

		if (skip && m->klen == strlen(skip) && memcmp(m->key, skip, m->klen) == 0)
			continue;
		if (pending && key_cmp(ins_key, ins_klen, m->key, m->klen) <= 0) {
			pending = false;
			r = put_member(b, ins_key, ins_klen, &first);
			if (r == 0)
				r = canon_buf_put(b, ins_raw, ins_len);
			if (r < 0)
				break;
			if (key_cmp(ins_key, ins_klen, m->key, m->klen) == 0)
				continue;
		}
		r = put_member(b, m->key, m->klen, &first);
		if (r == 0)
			r = encode_value(m->val, b);
	}
	if (r == 0 && pending) {
		r = put_member(b, ins_key, ins_klen, &first);
		if (r == 0)
			r = canon_buf_put(b, ins_raw, ins_len);
	}
	return r ? r : canon_buf_put(b, "}", 1);
}

static int encode_value(const struct canon_value *v, struct canon_buf *b)
{
	switch (v->kind) {
	case CANON_NULL:
		return canon_buf_put(b, "null", 4);
	case CANON_FALSE:
		return canon_buf_put(b, "false", 5);
	case CANON_TRUE:
		return canon_buf_put(b, "true", 4);
	case CANON_NUMBER:
		return canon_buf_put(b, v->str, v->len);
	case CANON_STRING:
		return canon_put_string(b, v->str, v->len);
	case CANON_ARRAY:
		return encode_array(v, b);
	case CANON_OBJECT:
		return canon_encode_object(v, NULL, NULL, NULL, 0, b);
	}
	return -EINVAL;
}

int canon_encode(const struct canon_value *v, struct canon_buf *out)
{
	return encode_value(v, out);
}

const struct canon_value *canon_get(const struct canon_value *obj, const char *key)
{
	size_t klen = strlen(key), lo = 0, hi;

	if (!obj || obj->kind != CANON_OBJECT)
		return NULL;
	hi = obj->len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct canon_member *m = obj->members[mid];
		int c = key_cmp(key, klen, m->key, m->klen);

		if (c == 0)
			return m->val;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

bool canon_get_int64(const struct canon_value *v, int64_t *out)
{
	char *end;
	long long n;

	if (!v || v->kind != CANON_NUMBER || v->len == 0 || v->len > 20)
		return false;
	for (size_t i = v->str[0] == '-'; i < v->len; i++)
		if (v->str[i] < '0' || v->str[i] > '9')
			return false;
	errno = 0;
	n = strtoll(v->str, &end, 10);
	if (errno || *end)
		return false;
	*out = n;
	return true;
}
