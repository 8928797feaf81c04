/* Strict JSON tokenizer and tree builder with Go encoding/json's decoding rules. */
#include "compat.h"
#include "canon.h"

#define ARENA_CHUNK (64u << 10)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct canon_doc {
	struct arena_chunk *chunks;
	struct canon_value *root;
};

struct parser {
	const unsigned char *s;
	size_t len, pos;
	int depth;
	size_t order;
	struct canon_doc *doc;
	struct canon_error *err;
};

static void *arena_alloc(struct canon_doc *doc, size_t n)
{
	struct arena_chunk *c = doc->chunks;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = doc->chunks;
		doc->chunks = c;
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

/* Gives back the unused tail of the most recent allocation p of size had. */
static void arena_shrink(struct canon_doc *doc, void *p, size_t had, size_t now)
{
	struct arena_chunk *c = doc->chunks;
	size_t h = (had + 15) & ~(size_t)15, w = (now + 15) & ~(size_t)15;

	if (c && (char *)p + h == (char *)c->data + c->used)
		c->used -= h - w;
}

static int fail(struct parser *p)
{
	if (p->err) {
		p->err->offset = p->pos;
		p->err->unexpected_end = p->pos >= p->len;
	}
	return -EINVAL;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			break;
		p->pos++;
	}
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits at s[0..3] (bounds checked by the caller), or -1. */
static long hex4(const unsigned char *s)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		int h = hexval(s[i]);

		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

/* Length of the well-formed UTF-8 sequence at s, or 0 (Go's utf8.DecodeRune rules). */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xBF;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c < 0xC2 || c > 0xF4)
		return 0;
	need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (n < need || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if (s[i] < 0x80 || s[i] > 0xBF)
			return 0;
	return need;
}

static size_t utf8_put(unsigned char *o, unsigned long r)
{
	if (r < 0x80) {
		o[0] = (unsigned char)r;
		return 1;
	}
	if (r < 0x800) {
		o[0] = (unsigned char)(0xC0 | (r >> 6));
		o[1] = (unsigned char)(0x80 | (r & 0x3F));
		return 2;
	}
	if (r < 0x10000) {
		o[0] = (unsigned char)(0xE0 | (r >> 12));
		o[1] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (r & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | (r >> 18));
	o[1] = (unsigned char)(0x80 | ((r >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((r >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (r & 0x3F));
	return 4;
}

/* \uXXXX at p->pos (after the backslash-u); a surrogate pair, or U+FFFD for a lone one. */
static int unescape_u(struct parser *p, unsigned char *o, size_t *w)
{
	long r, r2;

	if (p->len - p->pos < 4) {
		while (p->pos < p->len && hexval(p->s[p->pos]) >= 0)
			p->pos++;
		return fail(p);
	}
	r = hex4(p->s + p->pos);
	if (r < 0)
		return fail(p);
	p->pos += 4;
	if (r >= 0xD800 && r < 0xE000) {
		if (r < 0xDC00 && p->len - p->pos >= 6 && p->s[p->pos] == '\\' &&
		    p->s[p->pos + 1] == 'u' && (r2 = hex4(p->s + p->pos + 2)) >= 0xDC00 &&
		    r2 < 0xE000) {
			p->pos += 6;
			r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
		} else {
			r = 0xFFFD;
		}
	}
	*w += utf8_put(o + *w, (unsigned long)r);
	return 0;
}

static int unescape(struct parser *p, unsigned char *o, size_t *w)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *hit;

	if (p->pos >= p->len)
		return fail(p);
	if (p->s[p->pos] == 'u') {
		p->pos++;
		return unescape_u(p, o, w);
	}
	hit = p->s[p->pos] ? strchr(from, p->s[p->pos]) : NULL;
	if (!hit)
		return fail(p);
	o[(*w)++] = (unsigned char)to[hit - from];
	p->pos++;
	return 0;
}

/* Raw length of the string literal starting after the quote at p->pos (to its end or EOF). */
static size_t raw_string_len(const struct parser *p)
{
	size_t i = p->pos + 1;

	while (i < p->len && p->s[i] != '"')
		i += p->s[i] == '\\' ? 2 : 1;
	return i - p->pos;
}

/* At the opening quote; decodes into the arena (at most 3 bytes out per byte in). */
static int parse_string(struct parser *p, const char **out, size_t *out_len)
{
	size_t cap = raw_string_len(p) * 3 + 1, w = 0;
	unsigned char *o = arena_alloc(p->doc, cap);
	int r;

	if (!o)
		return -ENOMEM;
	p->pos++;
	for (;;) {
		unsigned char c;
		size_t n;

		if (p->pos >= p->len)
			return fail(p);
		c = p->s[p->pos];
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(p);
		if (c == '\\') {
			p->pos++;
			if ((r = unescape(p, o, &w)) < 0)
				return r;
			continue;
		}
		n = utf8_len(p->s + p->pos, p->len - p->pos);
		if (n == 0) {
			w += utf8_put(o + w, 0xFFFD);
			n = 1;
		} else {
			memcpy(o + w, p->s + p->pos, n);
			w += n;
		}
		p->pos += n;
	}
	p->pos++;
	o[w] = 0;
	arena_shrink(p->doc, o, cap, w + 1);
	*out = (const char *)o;
	*out_len = w;
	return 0;
}

static size_t skip_digits(struct parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos - start;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? copied as written. */
static int parse_number(struct parser *p, struct canon_value *v)
{
	size_t start = p->pos;
	char *t;

	if (p->pos < p->len && p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (skip_digits(p) == 0)
		return fail(p);
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (skip_digits(p) == 0)
			return fail(p);
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (skip_digits(p) == 0)
			return fail(p);
	}
	t = arena_alloc(p->doc, p->pos - start + 1);
	if (!t)
		return -ENOMEM;
	memcpy(t, p->s + start, p->pos - start);
	t[p->pos - start] = 0;
	v->kind = CANON_NUMBER;
	v->str = t;
	v->len = p->pos - start;
	return 0;
}

static int parse_literal(struct parser *p, struct canon_value *v)
{
	static const struct {
		const char *text;
		enum canon_kind kind;
	} lits[] = {{"true", CANON_TRUE}, {"false", CANON_FALSE}, {"null", CANON_NULL}};

	for (size_t i = 0; i < ARRAY_SIZE(lits); i++) {
		size_t n = strlen(lits[i].text), have = p->len - p->pos;

		if (p->s[p->pos] != (unsigned char)lits[i].text[0])
			continue;
		if (memcmp(p->s + p->pos, lits[i].text, have < n ? have : n) != 0)
			return fail(p);
		if (have < n)
			return p->pos = p->len, fail(p);
		p->pos += n;
		v->kind = lits[i].kind;
		return 0;
	}
	return fail(p);
}

static int parse_value(struct parser *p, struct canon_value *v);

static int member_cmp(const void *a, const void *b)
{
	const struct canon_member *x = *(struct canon_member *const *)a;
	const struct canon_member *y = *(struct canon_member *const *)b;
	size_t n = x->klen < y->klen ? x->klen : y->klen;
	int c = memcmp(x->key, y->key, n);

	if (c)
		return c;
	if (x->klen != y->klen)
		return x->klen < y->klen ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* Sorts the members by key and keeps only the last of each duplicated key. */
static int finish_object(struct parser *p, struct canon_value *v, struct canon_member *list,
			 size_t n)
{
	struct canon_member **arr = arena_alloc(p->doc, (n ? n : 1) * sizeof(*arr));
	size_t i = n, out = 0;

	if (!arr)
		return -ENOMEM;
	for (; list; list = list->next)
		arr[--i] = list;
	qsort(arr, n, sizeof(*arr), member_cmp);
	for (i = 0; i < n; i++) {
		if (i + 1 < n && arr[i]->klen == arr[i + 1]->klen &&
		    memcmp(arr[i]->key, arr[i + 1]->key, arr[i]->klen) == 0)
			continue;
		arr[out++] = arr[i];
	}
	v->kind = CANON_OBJECT;
	v->members = arr;
	v->len = out;
	return 0;
}

static int parse_member(struct parser *p, struct canon_member **out)
{
	struct canon_member *m = arena_alloc(p->doc, sizeof(*m));
	int r;

	if (!m)
		return -ENOMEM;
	if (p->pos >= p->len || p->s[p->pos] != '"')
		return fail(p);
	if ((r = parse_string(p, &m->key, &m->klen)) < 0)
		return r;
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != ':')
		return fail(p);
	p->pos++;
	m->val = arena_alloc(p->doc, sizeof(*m->val));
	if (!m->val)
		return -ENOMEM;
	if ((r = parse_value(p, m->val)) < 0)
		return r;
	m->order = p->order++;
	*out = m;
	return 0;
}

static int parse_object(struct parser *p, struct canon_value *v)
{
	struct canon_member *list = NULL, *m;
	size_t n = 0;
	int r;

	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == '}') {
		p->pos++;
		return finish_object(p, v, NULL, 0);
	}
	for (;;) {
		skip_ws(p);
		if ((r = parse_member(p, &m)) < 0)
			return r;
		m->next = list;
		list = m;
		n++;
		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p);
		if (p->s[p->pos] == '}')
			break;
		if (p->s[p->pos++] != ',')
			return p->pos--, fail(p);
	}
	p->pos++;
	return finish_object(p, v, list, n);
}

struct item_node {
	struct canon_value val;
	struct item_node *next;
};

static int finish_array(struct parser *p, struct canon_value *v, struct item_node *list, size_t n)
{
	struct canon_value **arr = arena_alloc(p->doc, (n ? n : 1) * sizeof(*arr));
	size_t i = n;

	if (!arr)
		return -ENOMEM;
	for (; list; list = list->next)
		arr[--i] = &list->val;
	v->kind = CANON_ARRAY;
	v->items = arr;
	v->len = n;
	return 0;
}

static int parse_array(struct parser *p, struct canon_value *v)
{
	struct item_node *list = NULL, *it;
	size_t n = 0;
	int r;

	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == ']') {
		p->pos++;
		return finish_array(p, v, NULL, 0);
	}
	for (;;) {
		it = arena_alloc(p->doc, sizeof(*it));
		if (!it)
			return -ENOMEM;
		if ((r = parse_value(p, &it->val)) < 0)
			return r;
		it->next = list;
		list = it;
		n++;
		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p);
		if (p->s[p->pos] == ']')
			break;
		if (p->s[p->pos++] != ',')
			return p->pos--, fail(p);
	}
	p->pos++;
	return finish_array(p, v, list, n);
}

static int parse_value(struct parser *p, struct canon_value *v)
{
	unsigned char c;
	int r;

	memset(v, 0, sizeof(*v));
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p);
	c = p->s[p->pos];
	if (c == '{' || c == '[') {
		if (++p->depth > CANON_MAX_DEPTH)
			return fail(p);
		r = c == '{' ? parse_object(p, v) : parse_array(p, v);
		p->depth--;
		return r;
	}
	if (c == '"') {
		v->kind = CANON_STRING;
		return parse_string(p, &v->str, &v->len);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p, v);
	return parse_literal(p, v);
}

int canon_parse(const char *in, size_t len, struct canon_doc **out, struct canon_error *err)
{
	struct canon_error dummy;
	struct parser p = {.s = (const unsigned char *)in, .len = len, .err = err ? err : &dummy};
	struct canon_doc *doc;
	int r;

	*out = NULL;
	p.err->offset = 0;
	p.err->unexpected_end = false;
	if (len > CANON_MAX_INPUT)
		return -E2BIG;
	doc = calloc(1, sizeof(*doc));
	if (!doc)
		return -ENOMEM;
	p.doc = doc;
	doc->root = arena_alloc(doc, sizeof(*doc->root));
	r = doc->root ? parse_value(&p, doc->root) : -ENOMEM;
	if (r == 0) {
		skip_ws(&p);
		if (p.pos != len)
			r = fail(&p);
	}
	if (r < 0) {
		canon_doc_free(doc);
		return r;
	}
	*out = doc;
	return 0;
}

const struct canon_value *canon_root(const struct canon_doc *doc)
{
	return doc->root;
}

void canon_doc_free(struct canon_doc *doc)
{
	struct arena_chunk *c, *next;

	if (!doc)
		return;
	for (c = doc->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(doc);
}
