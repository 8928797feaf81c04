/*
 * Glob compiler and matcher (gobwas/glob semantics, see glob.h).
 *
 * Braces are expanded at compile time into alternatives; each alternative is
 * a token list with its literal prefix and suffix split off, so most
 * non-matching strings are rejected by one memcmp. The remaining middle is
 * matched by backtracking over star tokens, memoised when there are two or
 * more stars so no pattern is worse than O(tokens * length).
 */
#include "compat.h"
#include "glob.h"

#include <stdio.h>

enum tok_kind { T_LIT, T_ONE, T_CLASS, T_STAR, T_SUPER };

struct tok {
	enum tok_kind kind;
	bool neg;    /* T_CLASS: [!..] */
	size_t len;  /* T_LIT: bytes; T_CLASS: ranges */
	char *s;     /* T_LIT */
	uint32_t *r; /* T_CLASS: pairs lo, hi (code points) */
};

struct alt {
	struct tok *t;
	size_t n;
	size_t minlen;	   /* bytes any match needs at least */
	size_t pre, suf;   /* literal prefix/suffix lengths (tokens t[0], t[n-1]) */
	uint64_t pre_tail; /* the last 8 bytes of a prefix of 8 or more: one compare rejects */
	size_t t0, t1;	   /* middle tokens [t0, t1) */
	unsigned stars;
	bool exact; /* a single literal */
};

struct glob {
	char sep;
	size_t nalts;
	struct alt *alts;
};

struct seq {
	struct tok *t;
	size_t n;
};

struct seqs {
	struct seq *v;
	size_t n;
};

struct parser {
	const char *p;
	char sep;
	int depth;
	char *err;
	size_t errlen;
};

static void tok_release(struct tok *t)
{
	free(t->s);
	free(t->r);
}

static void seq_release(struct seq *s)
{
	for (size_t i = 0; i < s->n; i++)
		tok_release(&s->t[i]);
	free(s->t);
	s->t = NULL;
	s->n = 0;
}

static void seqs_release(struct seqs *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		seq_release(&ss->v[i]);
	free(ss->v);
	ss->v = NULL;
	ss->n = 0;
}

static int tok_copy(struct tok *dst, const struct tok *src)
{
	*dst = *src;
	dst->s = NULL;
	dst->r = NULL;
	if (src->s && !(dst->s = malloc(src->len + 1)))
		return -ENOMEM;
	if (src->s)
		memcpy(dst->s, src->s, src->len + 1);
	if (src->r && !(dst->r = malloc(src->len * 2 * sizeof(uint32_t)))) {
		free(dst->s);
		dst->s = NULL;
		return -ENOMEM;
	}
	if (src->r)
		memcpy(dst->r, src->r, src->len * 2 * sizeof(uint32_t));
	return 0;
}

static int seq_push(struct seq *s, const struct tok *t)
{
	struct tok *nt = realloc(s->t, (s->n + 1) * sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	s->t = nt;
	return tok_copy(&s->t[s->n++], t) < 0 ? (s->n--, -ENOMEM) : 0;
}

static int seq_append(struct seq *dst, const struct seq *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (seq_push(dst, &src->t[i]) < 0)
			return -ENOMEM;
	return 0;
}

static int perr(struct parser *ps, const char *msg)
{
	if (ps->err && ps->errlen)
		snprintf(ps->err, ps->errlen, "%s", msg);
	return -EINVAL;
}

/* Decodes one UTF-8 code point (invalid bytes decode as themselves). */
static size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	size_t len, i;

	if (c < 0x80 || n < 2) {
		*cp = c;
		return 1;
	}
	len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
	if (len == 1 || len > n) {
		*cp = c;
		return 1;
	}
	*cp = c & (0x3f >> (len - 1));
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = c;
			return 1;
		}
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	return len;
}

/* One class member: an escaped or plain character. */
static int class_char(struct parser *ps, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)ps->p;

	if (*s == '\\')
		s++;
	if (!*s)
		return perr(ps, "unterminated character class");
	ps->p = (const char *)s + utf8_decode(s, strlen((const char *)s), cp);
	return 0;
}

static int parse_class(struct parser *ps, struct tok *t)
{
	uint32_t lo, hi;
	int r;

	*t = (struct tok){.kind = T_CLASS};
	if (*ps->p == '!') {
		t->neg = true;
		ps->p++;
	}
	if (*ps->p == ']')
		return perr(ps, "empty character class");
	while (*ps->p != ']') {
		uint32_t *nr;

		if ((r = class_char(ps, &lo)) < 0)
			return r;
		hi = lo;
		if (ps->p[0] == '-' && ps->p[1] && ps->p[1] != ']') {
			ps->p++;
			if ((r = class_char(ps, &hi)) < 0)
				return r;
			if (hi < lo)
				return perr(ps, "character class range out of order");
		}
		nr = realloc(t->r, (t->len + 1) * 2 * sizeof(uint32_t));
		if (!nr)
			return -ENOMEM;
		t->r = nr;
		t->r[t->len * 2] = lo;
		t->r[t->len * 2 + 1] = hi;
		t->len++;
	}
	ps->p++;
	return 0;
}

/* Appends token t to every sequence in ss. */
static int seqs_push(struct seqs *ss, const struct tok *t)
{
	for (size_t i = 0; i < ss->n; i++)
		if (seq_push(&ss->v[i], t) < 0)
			return -ENOMEM;
	return 0;
}

/* ss = ss x alts (every prefix followed by every alternative). */
static int seqs_product(struct seqs *ss, const struct seqs *alts)
{
	struct seqs out = {0};
	size_t n = ss->n * alts->n;

	if (n > GLOB_MAX_ALTS)
		return -E2BIG;
	if (!(out.v = calloc(n ? n : 1, sizeof(*out.v))))
		return -ENOMEM;
	out.n = n;
	for (size_t i = 0; i < ss->n; i++)
		for (size_t j = 0; j < alts->n; j++) {
			struct seq *d = &out.v[i * alts->n + j];

			if (seq_append(d, &ss->v[i]) < 0 || seq_append(d, &alts->v[j]) < 0) {
				seqs_release(&out);
				return -ENOMEM;
			}
		}
	seqs_release(ss);
	*ss = out;
	return 0;
}

static int parse_seq(struct parser *ps, struct seqs *out);

/* After '{': alternatives up to the matching '}'. */
static int parse_braces(struct parser *ps, struct seqs *out)
{
	int r;

	*out = (struct seqs){0};
	if (++ps->depth > 32)
		return perr(ps, "braces nested too deeply");
	for (;;) {
		struct seqs one;
		struct seq *nv;

		if ((r = parse_seq(ps, &one)) < 0)
			return r;
		if (out->n + one.n > GLOB_MAX_ALTS) {
			seqs_release(&one);
			return perr(ps, "too many alternatives");
		}
		nv = realloc(out->v, (out->n + one.n) * sizeof(*nv));
		if (!nv) {
			seqs_release(&one);
			return -ENOMEM;
		}
		out->v = nv;
		memcpy(out->v + out->n, one.v, one.n * sizeof(*nv));
		out->n += one.n;
		free(one.v);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == '}') {
			ps->p++;
			ps->depth--;
			return 0;
		}
		return perr(ps, "unterminated '{'");
	}
}

/* Reads one token (not a brace group); returns 1 when it hit a terminator. */
static int parse_tok(struct parser *ps, struct tok *t)
{
	char c = *ps->p;

	*t = (struct tok){.kind = T_LIT, .len = 1};
	if (c == '*') {
		ps->p++;
		t->kind = T_STAR;
		t->len = 0;
		if (*ps->p == '*' || !ps->sep) {
			while (*ps->p == '*')
				ps->p++;
			t->kind = T_SUPER;
		}
		return 0;
	}
	if (c == '?') {
		ps->p++;
		t->kind = T_ONE;
		t->len = 0;
		return 0;
	}
	if (c == '[') {
		ps->p++;
		return parse_class(ps, t);
	}
	if (c == '\\') {
		ps->p++;
		if (!*ps->p)
			return perr(ps, "trailing backslash");
		c = *ps->p;
	}
	ps->p++;
	if (!(t->s = malloc(2)))
		return -ENOMEM;
	t->s[0] = c;
	t->s[1] = 0;
	return 0;
}

static int parse_seq(struct parser *ps, struct seqs *out)
{
	int r = 0;

	*out = (struct seqs){.v = calloc(1, sizeof(struct seq)), .n = 1};
	if (!out->v)
		return -ENOMEM;
	while (*ps->p && r >= 0) {
		struct tok t = {0};
		struct seqs alts;

		if (ps->depth > 0 && (*ps->p == ',' || *ps->p == '}'))
			break;
		if (*ps->p == '{') {
			ps->p++;
			r = parse_braces(ps, &alts);
			if (r >= 0)
				r = seqs_product(out, &alts);
			if (r == -E2BIG)
				r = perr(ps, "too many alternatives");
			seqs_release(&alts);
			continue;
		}
		r = parse_tok(ps, &t);
		if (r >= 0)
			r = seqs_push(out, &t);
		tok_release(&t);
	}
	if (r < 0)
		seqs_release(out);
	return r;
}

/* Merges adjacent literals and star runs, then computes the fast-path data. */
static int alt_finish(struct alt *a, struct seq *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->n; i++) {
		struct tok *t = &s->t[i], *prev = n ? &s->t[n - 1] : NULL;

		if (prev && prev->kind == T_LIT && t->kind == T_LIT) {
			char *ns = realloc(prev->s, prev->len + t->len + 1);

			if (!ns)
				return -ENOMEM;
			memcpy(ns + prev->len, t->s, t->len + 1);
			prev->s = ns;
			prev->len += t->len;
			tok_release(t);
			continue;
		}
		if (prev && (prev->kind == T_STAR || prev->kind == T_SUPER) &&
		    (t->kind == T_STAR || t->kind == T_SUPER)) {
			if (t->kind == T_SUPER)
				prev->kind = T_SUPER;
			continue;
		}
		s->t[n++] = *t;
	}
	*a = (struct alt){.t = s->t, .n = n, .t0 = 0, .t1 = n};
	s->t = NULL;
	s->n = 0;
	for (size_t i = 0; i < n; i++) {
		a->minlen += a->t[i].kind == T_LIT ? a->t[i].len : a->t[i].kind <= T_CLASS;
		a->stars += a->t[i].kind >= T_STAR;
	}
	a->exact = n == 0 || (n == 1 && a->t[0].kind == T_LIT);
	if (!a->exact && n && a->t[0].kind == T_LIT) {
		a->pre = a->t[0].len;
		a->t0 = 1;
		if (a->pre >= 8)
			memcpy(&a->pre_tail, a->t[0].s + a->pre - 8, 8);
	}
	if (!a->exact && a->t1 > a->t0 && a->t[n - 1].kind == T_LIT) {
		a->suf = a->t[n - 1].len;
		a->t1 = n - 1;
	}
	return 0;
}

void policy_glob_free(struct glob *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->nalts; i++) {
		for (size_t j = 0; j < g->alts[i].n; j++)
			tok_release(&g->alts[i].t[j]);
		free(g->alts[i].t);
	}
	free(g->alts);
	free(g);
}

struct glob *policy_glob_compile(const char *pattern, char separator, char *err, size_t errlen)
{
	struct parser ps = {.p = pattern, .sep = separator, .err = err, .errlen = errlen};
	struct seqs ss;
	struct glob *g;
	int r;

	if (strlen(pattern) > GLOB_MAX_PATTERN) {
		perr(&ps, "pattern too long");
		return NULL;
	}
	if ((r = parse_seq(&ps, &ss)) < 0) {
		if (r == -ENOMEM)
			perr(&ps, "out of memory");
		return NULL;
	}
	g = calloc(1, sizeof(*g));
	if (g && !(g->alts = calloc(ss.n, sizeof(*g->alts)))) {
		free(g);
		g = NULL;
	}
	for (size_t i = 0; g && i < ss.n; i++, g->nalts++)
		if (alt_finish(&g->alts[i], &ss.v[i]) < 0) {
			policy_glob_free(g);
			g = NULL;
		}
	seqs_release(&ss);
	if (!g)
		perr(&ps, "out of memory");
	else
		g->sep = separator;
	return g;
}

size_t policy_glob_nalts(const struct glob *g)
{
	return g->nalts;
}

const char *policy_glob_alt_prefix(const struct glob *g, size_t i, size_t *len, bool *exact)
{
	const struct alt *a = &g->alts[i];

	*exact = a->exact;
	if (a->exact) {
		*len = a->minlen;
		return a->n ? a->t[0].s : "";
	}
	*len = a->pre;
	return a->pre ? a->t[0].s : "";
}

const char *policy_glob_alt_suffix(const struct glob *g, size_t i, size_t *len)
{
	const struct alt *a = &g->alts[i];

	if (a->exact) {
		*len = a->minlen;
		return a->n ? a->t[0].s : "";
	}
	*len = a->suf;
	return a->suf ? a->t[a->n - 1].s : "";
}

bool policy_glob_is_literal(const struct glob *g)
{
	return g->nalts == 1 && g->alts[0].exact;
}

static bool class_has(const struct tok *t, uint32_t cp)
{
	bool in = false;

	for (size_t i = 0; i < t->len && !in; i++)
		in = cp >= t->r[2 * i] && cp <= t->r[2 * i + 1];
	return in != t->neg;
}

struct mctx {
	const struct alt *a;
	const char *s;
	size_t n;
	char sep;
	unsigned char *memo; /* failed (star index, position) pairs, or NULL */
};

static bool memo_test_set(struct mctx *m, unsigned star, size_t si)
{
	size_t bit = (size_t)star * (m->n + 1) + si;
	bool was;

	if (!m->memo)
		return false;
	was = m->memo[bit / 8] & (1u << (bit % 8));
	m->memo[bit / 8] |= (unsigned char)(1u << (bit % 8));
	return was;
}

static bool match_from(struct mctx *m, size_t ti, size_t si, unsigned star)
{
	const struct alt *a = m->a;

	for (; ti < a->t1; ti++) {
		const struct tok *t = &a->t[ti];
		uint32_t cp;
		size_t k;

		switch (t->kind) {
		case T_LIT:
			if (m->n - si < t->len || memcmp(m->s + si, t->s, t->len) != 0)
				return false;
			si += t->len;
			break;
		case T_ONE:
		case T_CLASS:
			if (si >= m->n || (m->sep && t->kind == T_ONE && m->s[si] == m->sep))
				return false;
			k = utf8_decode((const unsigned char *)m->s + si, m->n - si, &cp);
			if (t->kind == T_CLASS && !class_has(t, cp))
				return false;
			si += k;
			break;
		case T_STAR:
		case T_SUPER:
			if (ti + 1 == a->t1) {
				if (t->kind == T_SUPER)
					return true;
				return !memchr(m->s + si, m->sep, m->n - si);
			}
			for (k = si; k <= m->n; k++) {
				if (!memo_test_set(m, star, k) &&
				    match_from(m, ti + 1, k, star + 1))
					return true;
				if (k < m->n && t->kind == T_STAR && m->s[k] == m->sep)
					break;
			}
			return false;
		}
	}
	return si == m->n;
}

static bool alt_match(const struct alt *a, char sep, const char *s, size_t n)
{
	unsigned char stack_memo[512];
	struct mctx m = {.a = a, .sep = sep};
	size_t bits;
	bool r;

	if (n < a->minlen)
		return false;
	if (a->exact)
		return n == a->minlen && (n == 0 || memcmp(s, a->t[0].s, n) == 0);
	if (a->pre >= 8) {
		uint64_t tail;

		memcpy(&tail, s + a->pre - 8, 8);
		if (tail != a->pre_tail)
			return false;
	}
	if (a->pre && memcmp(s, a->t[0].s, a->pre) != 0)
		return false;
	if (a->suf && memcmp(s + n - a->suf, a->t[a->n - 1].s, a->suf) != 0)
		return false;
	m.s = s + a->pre;
	m.n = n - a->pre - a->suf;
	if (a->stars < 2)
		return match_from(&m, a->t0, 0, 0);
	bits = (size_t)a->stars * (m.n + 1);
	m.memo = bits <= 8 * sizeof(stack_memo) ? stack_memo : calloc(bits / 8 + 1, 1);
	if (m.memo == stack_memo)
		memset(stack_memo, 0, bits / 8 + 1);
	r = match_from(&m, a->t0, 0, 0);
	if (m.memo != stack_memo)
		free(m.memo);
	return r;
}

bool policy_glob_match(const struct glob *g, const char *s, size_t len)
{
	for (size_t i = 0; i < g->nalts; i++)
		if (alt_match(&g->alts[i], g->sep, s, len))
			return true;
	return false;
}
