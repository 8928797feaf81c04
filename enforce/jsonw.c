/*
 * A streaming JSON writer for event lines: one growing buffer, no per-field
 * allocations (an event is written for every decided syscall). Strings are
 * escaped per RFC 8259; bytes that are not valid UTF-8 become U+FFFD.
 */
#include "compat.h"
#include "jsonw.h"

#include <stdio.h>

static void jw_grow(struct jw *w, size_t need)
{
	size_t cap = w->cap ? w->cap : 512;
	char *b;

	if (w->err || w->len + need + 1 <= w->cap)
		return;
	while (cap < w->len + need + 1)
		cap *= 2;
	b = realloc(w->buf, cap);
	if (!b) {
		w->err = true;
		return;
	}
	w->buf = b;
	w->cap = cap;
}

static void jw_put(struct jw *w, const char *s, size_t n)
{
	jw_grow(w, n);
	if (w->err)
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), 0 when invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	if (s[0] < 0xe0)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] < 0xf0) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f))
			return 0; /* overlong, surrogate */
		return 3;
	}
	if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
		return 0;
	if ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;
	return 4;
}

static void jw_quoted(struct jw *w, const char *str)
{
	const unsigned char *s = (const unsigned char *)(str ? str : "");

	jw_put(w, "\"", 1);
	while (*s) {
		const unsigned char *run = s;
		char esc[8];

		while (*s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		jw_put(w, (const char *)run, (size_t)(s - run));
		if (!*s)
			break;
		if (*s >= 0x80) {
			size_t n = utf8_len(s);
			if (n) {
				jw_put(w, (const char *)s, n);
				s += n;
			} else {
				jw_put(w, "\xef\xbf\xbd", 3);
				s++;
			}
			continue;
		}
		switch (*s) {
		case '"':
			jw_put(w, "\\\"", 2);
			break;
		case '\\':
			jw_put(w, "\\\\", 2);
			break;
		case '\n':
			jw_put(w, "\\n", 2);
			break;
		case '\r':
			jw_put(w, "\\r", 2);
			break;
		case '\t':
			jw_put(w, "\\t", 2);
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", *s);
			jw_put(w, esc, 6);
		}
		s++;
	}
	jw_put(w, "\"", 1);
}

/* The separator and key before a member (key NULL inside an array). */
static void jw_member(struct jw *w, const char *key)
{
	if (w->depth > 0 && w->n[w->depth - 1]++)
		jw_put(w, ",", 1);
	if (key) {
		jw_quoted(w, key);
		jw_put(w, ":", 1);
	}
}

static void jw_open(struct jw *w, const char *key, const char *bracket)
{
	jw_member(w, key);
	jw_put(w, bracket, 1);
	if (w->depth < JW_MAX_DEPTH)
		w->n[w->depth++] = 0;
	else
		w->err = true;
}

void jw_obj(struct jw *w, const char *key)
{
	jw_open(w, key, "{");
}

void jw_arr(struct jw *w, const char *key)
{
	jw_open(w, key, "[");
}

void jw_end_obj(struct jw *w)
{
	if (w->depth)
		w->depth--;
	jw_put(w, "}", 1);
}

void jw_end_arr(struct jw *w)
{
	if (w->depth)
		w->depth--;
	jw_put(w, "]", 1);
}

void jw_str(struct jw *w, const char *key, const char *val)
{
	jw_member(w, key);
	jw_quoted(w, val);
}

void jw_num(struct jw *w, const char *key, long long val)
{
	char n[32];

	jw_member(w, key);
	jw_put(w, n, (size_t)snprintf(n, sizeof(n), "%lld", val));
}

void jw_bool(struct jw *w, const char *key, bool val)
{
	jw_member(w, key);
	jw_put(w, val ? "true" : "false", val ? 4 : 5);
}

/* The finished text (caller frees), NULL after an allocation failure. */
char *jw_finish(struct jw *w)
{
	if (w->err) {
		free(w->buf);
		return NULL;
	}
	return w->buf;
}
