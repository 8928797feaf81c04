/*
 * TLS ClientHello server_name: read it, or rewrite it with every enclosing
 * length fixed (RFC 8446 §4.1.2, RFC 6066 §3). The input comes from a traced
 * program: every length is checked against the bytes actually present.
 */
#include "compat.h"

#include <sys/types.h>

#include "net.h"

#define TLS_RECORD_HANDSHAKE 0x16
#define TLS_HS_CLIENT_HELLO 0x01
#define TLS_EXT_SERVER_NAME 0x0000
#define TLS_MAX_RECORD 16384 /* 2^14 plaintext (RFC 8446 §5.1) */
#define REC_HDR 5
#define HS_HDR 4

struct cursor {
	const uint8_t *p;
	size_t end; /* exclusive bound */
	size_t off;
};

static bool cur_u8(struct cursor *c, size_t *v)
{
	if (c->off + 1 > c->end)
		return false;
	*v = c->p[c->off++];
	return true;
}

static bool cur_u16(struct cursor *c, size_t *v)
{
	if (c->off + 2 > c->end)
		return false;
	*v = ((size_t)c->p[c->off] << 8) | c->p[c->off + 1];
	c->off += 2;
	return true;
}

static bool cur_skip(struct cursor *c, size_t n)
{
	if (n > c->end - c->off)
		return false;
	c->off += n;
	return true;
}

/* Skip a vector with an n-byte (1 or 2) length prefix. */
static bool cur_skip_vec(struct cursor *c, int n)
{
	size_t len;

	if (!(n == 1 ? cur_u8(c, &len) : cur_u16(c, &len)))
		return false;
	return cur_skip(c, len);
}

struct hello {
	size_t rec_len;     /* record payload length */
	size_t hs_len;      /* ClientHello body length */
	bool has_ext;       /* the extensions block is present */
	size_t ext_len_off; /* offset of the 2-byte extensions length (or end of body) */
	size_t ext_end;
	bool has_sni;
	size_t sni_off; /* the whole server_name extension: header + data */
	size_t sni_len;
	size_t name_off; /* host_name bytes */
	size_t name_len;
};

/* Find the host_name entry of a server_name extension body [off, end). */
static int hello_parse_sni(const uint8_t *buf, size_t off, size_t end, struct hello *h)
{
	struct cursor c = { .p = buf, .end = end, .off = off };
	size_t list_len, type, n;

	if (!cur_u16(&c, &list_len) || list_len != end - c.off)
		return -EINVAL;
	while (c.off < end) {
		if (!cur_u8(&c, &type) || !cur_u16(&c, &n) || n > end - c.off)
			return -EINVAL;
		if (type == 0 && !h->name_len && n > 0) {
			h->name_off = c.off;
			h->name_len = n;
		}
		c.off += n;
	}
	return h->name_len ? 0 : -EINVAL;
}

static int hello_parse_extensions(const uint8_t *buf, struct cursor *c, struct hello *h)
{
	size_t total, type, n;

	h->ext_len_off = c->off;
	if (c->off == c->end)
		return 0; /* no extensions block at all */
	if (!cur_u16(c, &total) || total != c->end - c->off)
		return -EINVAL;
	h->has_ext = true;
	while (c->off < c->end) {
		size_t start = c->off;

		if (!cur_u16(c, &type) || !cur_u16(c, &n) || n > c->end - c->off)
			return -EINVAL;
		if (type == TLS_EXT_SERVER_NAME) {
			if (h->has_sni)
				return -EINVAL; /* duplicate extension */
			h->has_sni = true;
			h->sni_off = start;
			h->sni_len = 4 + n;
			if (hello_parse_sni(buf, c->off, c->off + n, h) < 0)
				return -EINVAL;
		}
		c->off += n;
	}
	return 0;
}

static int hello_parse(const uint8_t *buf, size_t len, struct hello *h)
{
	size_t hs_type;

	memset(h, 0, sizeof(*h));
	if (len < REC_HDR)
		return len && buf[0] != TLS_RECORD_HANDSHAKE ? -EINVAL : -EAGAIN;
	if (buf[0] != TLS_RECORD_HANDSHAKE || buf[1] != 3)
		return -EINVAL;
	h->rec_len = ((size_t)buf[3] << 8) | buf[4];
	if (h->rec_len > TLS_MAX_RECORD + 256 || h->rec_len < HS_HDR)
		return -EINVAL;
	if (len < REC_HDR + h->rec_len)
		return -EAGAIN;
	hs_type = buf[REC_HDR];
	if (hs_type != TLS_HS_CLIENT_HELLO)
		return -EINVAL;
	h->hs_len = ((size_t)buf[6] << 16) | ((size_t)buf[7] << 8) | buf[8];
	if (h->hs_len + HS_HDR > h->rec_len)
		return -EOPNOTSUPP; /* split over several records */

	struct cursor c = { .p = buf, .end = REC_HDR + HS_HDR + h->hs_len, .off = REC_HDR + HS_HDR };

	if (!cur_skip(&c, 2 + 32) || !cur_skip_vec(&c, 1) || !cur_skip_vec(&c, 2) ||
	    !cur_skip_vec(&c, 1))
		return -EINVAL;
	h->ext_end = c.end;
	return hello_parse_extensions(buf, &c, h);
}

int net_tls_client_hello_sni(const uint8_t *buf, size_t len, char *sni, size_t snicap)
{
	struct hello h;
	int r = hello_parse(buf, len, &h);

	if (r < 0)
		return r;
	if (!h.has_sni)
		return -ENOENT;
	if (h.name_len >= snicap)
		return -ENOSPC;
	memcpy(sni, buf + h.name_off, h.name_len);
	sni[h.name_len] = '\0';
	return 0;
}

static bool sni_valid(const char *s, size_t n)
{
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Write a server_name extension for name (n bytes) at out; returns its size. */
static size_t sni_ext_write(uint8_t *out, const char *name, size_t n)
{
	size_t ext = n + 5, list = n + 3;

	out[0] = 0;
	out[1] = 0;
	out[2] = (uint8_t)(ext >> 8);
	out[3] = (uint8_t)ext;
	out[4] = (uint8_t)(list >> 8);
	out[5] = (uint8_t)list;
	out[6] = 0; /* host_name */
	out[7] = (uint8_t)(n >> 8);
	out[8] = (uint8_t)n;
	memcpy(out + 9, name, n);
	return n + 9;
}

static void put_u16(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_u24(uint8_t *p, size_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

ssize_t net_tls_rewrite_sni(const uint8_t *buf, size_t len, const char *new_sni, uint8_t *out,
			    size_t outcap)
{
	struct hello h;
	size_t n = new_sni ? strlen(new_sni) : 0;
	int r;

	if (!sni_valid(new_sni ? new_sni : "", n))
		return -EINVAL;
	r = hello_parse(buf, len, &h);
	if (r < 0)
		return r;
	/* What is cut out [cut, cut + cut_len) and what goes in its place. */
	size_t cut = h.has_sni ? h.sni_off : h.ext_len_off + (h.has_ext ? 2 : 0);
	size_t cut_len = h.has_sni ? h.sni_len : 0;
	size_t ins_len = n + 9 + (h.has_ext ? 0 : 2);
	size_t new_rec = h.rec_len - cut_len + ins_len;
	size_t new_len = len - cut_len + ins_len;

	if (new_rec > TLS_MAX_RECORD)
		return -EOPNOTSUPP;
	if (new_len > outcap)
		return -ENOSPC;
	memcpy(out, buf, cut);
	size_t o = cut;

	if (!h.has_ext) {
		put_u16(out + o, n + 9);
		o += 2;
	}
	o += sni_ext_write(out + o, new_sni, n);
	memcpy(out + o, buf + cut + cut_len, len - cut - cut_len);
	put_u16(out + 3, new_rec);
	put_u24(out + 6, h.hs_len - cut_len + ins_len);
	if (h.has_ext) {
		size_t ext_total = h.ext_end - h.ext_len_off - 2;

		put_u16(out + h.ext_len_off, ext_total - cut_len + ins_len);
	}
	return (ssize_t)new_len;
}
