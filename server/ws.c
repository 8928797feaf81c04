/* WebSocket framing (RFC 6455): handshake key, strict bounded frame parser, frame writer. */
#include "compat.h"
#include "ws.h"

#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/socket.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* SHA-1 (FIPS 180-4), only for the handshake: libsodium has no SHA-1. */
struct sha1 {
	uint32_t h[5];
	uint8_t block[64];
	size_t used;
	uint64_t bytes;
};

static uint32_t rol(uint32_t x, int n)
{
	return (x << n) | (x >> (32 - n));
}

static void sha1_block(struct sha1 *s, const uint8_t *p)
{
	uint32_t w[80], a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];

	for (int i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 80; i++)
		w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
	for (int i = 0; i < 80; i++) {
		uint32_t f, k, t;

		if (i < 20)
			f = (b & c) | (~b & d), k = 0x5a827999;
		else if (i < 40)
			f = b ^ c ^ d, k = 0x6ed9eba1;
		else if (i < 60)
			f = (b & c) | (b & d) | (c & d), k = 0x8f1bbcdc;
		else
			f = b ^ c ^ d, k = 0xca62c1d6;
		t = rol(a, 5) + f + e + k + w[i];
		e = d, d = c, c = rol(b, 30), b = a, a = t;
	}
	s->h[0] += a, s->h[1] += b, s->h[2] += c, s->h[3] += d, s->h[4] += e;
}

static void sha1_update(struct sha1 *s, const void *data, size_t n)
{
	const uint8_t *p = data;

	s->bytes += n;
	while (n--) {
		s->block[s->used++] = *p++;
		if (s->used == 64) {
			sha1_block(s, s->block);
			s->used = 0;
		}
	}
}

static void sha1_final(struct sha1 *s, uint8_t out[20])
{
	uint64_t bits = s->bytes * 8;
	uint8_t len[8];

	for (int i = 0; i < 8; i++)
		len[i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_update(s, "\x80", 1);
	while (s->used != 56)
		sha1_update(s, "", 1);
	sha1_update(s, len, 8);
	for (int i = 0; i < 20; i++)
		out[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

int ws_accept_key(const char *key, char out[29])
{
	struct sha1 s = { .h = { 0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0 } };
	uint8_t raw[16], digest[20];
	size_t n = 0;

	if (!key || strlen(key) != 24 ||
	    sodium_base642bin(raw, sizeof(raw), key, 24, NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != 16)
		return -EINVAL;
	sha1_update(&s, key, 24);
	sha1_update(&s, WS_GUID, strlen(WS_GUID));
	sha1_final(&s, digest);
	sodium_bin2base64(out, 29, digest, sizeof(digest), sodium_base64_VARIANT_ORIGINAL);
	return 0;
}

void ws_new_key(char out[25])
{
	uint8_t raw[16];

	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, 25, raw, sizeof(raw), sodium_base64_VARIANT_ORIGINAL);
}

bool ws_utf8_valid(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		uint32_t cp;

		if (!len || i + len > n || (len == 2 && c < 0xc2))
			return false;
		cp = len == 1 ? c : c & (0x7f >> len);
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] >> 6) != 2)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

static size_t max_msg(const struct ws_reader *r)
{
	return r->max_message ? r->max_message : WS_MAX_MESSAGE;
}

int ws_reader_feed(struct ws_reader *r, const void *data, size_t n)
{
	uint8_t *p;

	if (r->len + n > max_msg(r) + 65536 + 14)
		return -E2BIG;
	p = realloc(r->buf, r->len + n + 1);
	if (!p)
		return -ENOMEM;
	r->buf = p;
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	return 0;
}

struct frame {
	bool fin, masked;
	int opcode;
	uint64_t plen;
	size_t hlen;
	uint8_t mask[4];
};

/* 1 parsed, 0 need more, <0 with *code. */
static int parse_header(const struct ws_reader *r, struct frame *f, uint16_t *code)
{
	const uint8_t *b = r->buf;
	size_t need = 2;

	if (r->len < 2)
		return 0;
	f->fin = b[0] & 0x80;
	f->opcode = b[0] & 0x0f;
	f->masked = b[1] & 0x80;
	f->plen = b[1] & 0x7f;
	if (b[0] & 0x70)
		return *code = WS_CLOSE_PROTOCOL, -EPROTO; /* no extensions negotiated */
	if (f->masked != r->from_client)
		return *code = WS_CLOSE_PROTOCOL, -EPROTO;
	need += f->plen == 126 ? 2 : f->plen == 127 ? 8 : 0;
	need += f->masked ? 4 : 0;
	if (r->len < need)
		return 0;
	if (f->plen == 126) {
		f->plen = (uint64_t)b[2] << 8 | b[3];
		if (f->plen < 126)
			return *code = WS_CLOSE_PROTOCOL, -EPROTO; /* not minimal */
	} else if (f->plen == 127) {
		f->plen = 0;
		for (int i = 0; i < 8; i++)
			f->plen = f->plen << 8 | b[2 + i];
		if (f->plen < 65536 || f->plen >> 63)
			return *code = WS_CLOSE_PROTOCOL, -EPROTO;
	}
	if (f->masked)
		memcpy(f->mask, b + need - 4, 4);
	f->hlen = need;
	return 1;
}

static int check_frame(const struct ws_reader *r, const struct frame *f, uint16_t *code)
{
	bool control = f->opcode >= 0x8;

	if (control && f->opcode != WS_CLOSE && f->opcode != WS_PING && f->opcode != WS_PONG)
		return *code = WS_CLOSE_PROTOCOL, -EPROTO;
	if (!control && f->opcode > WS_BINARY)
		return *code = WS_CLOSE_PROTOCOL, -EPROTO;
	if (control && (!f->fin || f->plen > 125))
		return *code = WS_CLOSE_PROTOCOL, -EPROTO;
	if (f->opcode == WS_CONT && !r->msg_opcode)
		return *code = WS_CLOSE_PROTOCOL, -EPROTO; /* continuation of nothing */
	if ((f->opcode == WS_TEXT || f->opcode == WS_BINARY) && r->msg_opcode)
		return *code = WS_CLOSE_PROTOCOL, -EPROTO; /* interleaved data messages */
	if (!control && f->plen + r->msg_len > max_msg(r))
		return *code = WS_CLOSE_TOO_BIG, -E2BIG;
	return 0;
}

static int append_msg(struct ws_reader *r, const uint8_t *p, size_t n)
{
	uint8_t *m = realloc(r->msg, r->msg_len + n + 1);

	if (!m)
		return -ENOMEM;
	r->msg = m;
	memcpy(r->msg + r->msg_len, p, n);
	r->msg_len += n;
	r->msg[r->msg_len] = '\0';
	return 0;
}

static int deliver(struct ws_reader *r, struct ws_message *m, uint16_t *code)
{
	if (r->msg_opcode == WS_TEXT && !ws_utf8_valid(r->msg, r->msg_len))
		return *code = WS_CLOSE_INVALID_DATA, -EILSEQ;
	if (!r->msg && append_msg(r, (const uint8_t *)"", 0) < 0)
		return *code = WS_CLOSE_INTERNAL, -ENOMEM;
	*m = (struct ws_message){ .opcode = r->msg_opcode, .payload = r->msg, .len = r->msg_len };
	r->msg = NULL;
	r->msg_len = 0;
	r->msg_opcode = 0;
	return 1;
}

/* A close payload is empty or a valid code plus UTF-8 reason. */
static bool close_payload_ok(const uint8_t *p, size_t n)
{
	unsigned c;

	if (n == 0)
		return true;
	if (n == 1)
		return false;
	c = (unsigned)p[0] << 8 | p[1];
	if (c < 1000 || c >= 5000 || c == 1004 || c == 1005 || c == 1006 || (c > 1011 && c < 3000))
		return false;
	return ws_utf8_valid(p + 2, n - 2);
}

int ws_reader_next(struct ws_reader *r, struct ws_message *m, uint16_t *code)
{
	for (;;) {
		struct frame f;
		uint8_t *payload;
		int k = parse_header(r, &f, code);

		if (k <= 0)
			return k;
		if ((k = check_frame(r, &f, code)) < 0)
			return k;
		if (r->len - f.hlen < f.plen)
			return 0;
		payload = r->buf + f.hlen;
		for (uint64_t i = 0; f.masked && i < f.plen; i++)
			payload[i] ^= f.mask[i % 4];
		if (f.opcode >= 0x8) {
			if (f.opcode == WS_CLOSE && !close_payload_ok(payload, (size_t)f.plen))
				return *code = WS_CLOSE_PROTOCOL, -EPROTO;
			m->payload = malloc((size_t)f.plen + 1);
			if (!m->payload)
				return *code = WS_CLOSE_INTERNAL, -ENOMEM;
			memcpy(m->payload, payload, (size_t)f.plen);
			m->payload[f.plen] = '\0';
			m->opcode = f.opcode;
			m->len = (size_t)f.plen;
		} else {
			if (f.opcode != WS_CONT)
				r->msg_opcode = f.opcode;
			if (append_msg(r, payload, (size_t)f.plen) < 0)
				return *code = WS_CLOSE_INTERNAL, -ENOMEM;
		}
		r->len -= f.hlen + (size_t)f.plen;
		memmove(r->buf, r->buf + f.hlen + f.plen, r->len);
		if (f.opcode >= 0x8)
			return 1;
		if (f.fin)
			return deliver(r, m, code);
	}
}

void ws_reader_free(struct ws_reader *r)
{
	free(r->buf);
	free(r->msg);
	r->buf = r->msg = NULL;
	r->len = r->msg_len = 0;
	r->msg_opcode = 0;
}

uint8_t *ws_frame(int opcode, const void *payload, size_t len, bool mask, size_t *out_len)
{
	uint8_t *f = malloc(len + 14), *p;
	size_t h = 2;

	if (!f)
		return NULL;
	f[0] = (uint8_t)(0x80 | (opcode & 0x0f));
	if (len < 126) {
		f[1] = (uint8_t)len;
	} else if (len < 65536) {
		f[1] = 126;
		f[2] = (uint8_t)(len >> 8), f[3] = (uint8_t)len;
		h = 4;
	} else {
		f[1] = 127;
		for (int i = 0; i < 8; i++)
			f[2 + i] = (uint8_t)((uint64_t)len >> (56 - 8 * i));
		h = 10;
	}
	p = f + h;
	if (mask) {
		f[1] |= 0x80;
		randombytes_buf(p, 4);
		h += 4;
	}
	if (len)
		memcpy(f + h, payload, len);
	for (size_t i = 0; mask && i < len; i++)
		f[h + i] ^= p[i % 4];
	*out_len = h + len;
	return f;
}

static int send_all(int fd, const uint8_t *p, size_t n, int timeout_ms)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w > 0) {
			p += w, n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = fd, .events = POLLOUT };
			int k = poll(&pfd, 1, timeout_ms);

			if (k == 0)
				return -ETIMEDOUT;
			if (k > 0 || errno == EINTR)
				continue;
		}
		return -errno;
	}
	return 0;
}

int ws_send(int fd, int opcode, const void *payload, size_t len, bool mask, int timeout_ms)
{
	size_t n;
	uint8_t *f = ws_frame(opcode, payload, len, mask, &n);
	int r;

	if (!f)
		return -ENOMEM;
	r = send_all(fd, f, n, timeout_ms);
	free(f);
	return r;
}

int ws_send_close(int fd, uint16_t code, const char *reason, bool mask)
{
	uint8_t p[125];
	size_t n = reason ? strnlen(reason, sizeof(p) - 2) : 0;

	p[0] = (uint8_t)(code >> 8), p[1] = (uint8_t)code;
	if (n)
		memcpy(p + 2, reason, n);
	return ws_send(fd, WS_CLOSE, p, n + 2, mask, 1000);
}
