/*
 * DNS packets from clients (traced programs) and upstreams: hostile input.
 * Every read is bounded by len; compression pointers must point backwards
 * and at most DNS_MAX_JUMPS are followed.
 */
#include "compat.h"

#include <ctype.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "dns_packet.h"

#define DNS_MAX_JUMPS 64
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_RA 0x0080
#define DNS_OPCODE(f) (((f) >> 11) & 0xf)

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t rd32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void wr16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Append one label to out at *o (with a separating dot). */
static int name_append_label(const uint8_t *label, size_t n, char *out, size_t outlen, size_t *o)
{
	if (*o + (*o ? 1 : 0) + n + 1 > outlen)
		return -EINVAL;
	if (*o)
		out[(*o)++] = '.';
	for (size_t i = 0; i < n; i++) {
		/* a dot inside a label or a non-printable byte would make the text
		 * name differ from what the upstream resolves: refuse */
		if (label[i] == '.' || label[i] <= 0x20 || label[i] >= 0x7f)
			return -EINVAL;
		out[(*o)++] = (char)tolower(label[i]);
	}
	out[*o] = '\0';
	return 0;
}

int dns_packet_name(const uint8_t *pkt, size_t len, size_t *off, char *out, size_t outlen)
{
	size_t pos = *off, o = 0, after = 0;
	int jumps = 0;

	if (outlen == 0)
		return -EINVAL;
	out[0] = '\0';
	for (;;) {
		if (pos >= len)
			return -EINVAL;
		uint8_t b = pkt[pos];

		if (b == 0) {
			*off = after ? after : pos + 1;
			return 0;
		}
		if ((b & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++jumps > DNS_MAX_JUMPS)
				return -EINVAL;
			size_t target = ((size_t)(b & 0x3f) << 8) | pkt[pos + 1];

			if (target >= pos)
				return -EINVAL; /* forward or self pointer: loop risk */
			if (!after)
				after = pos + 2;
			pos = target;
			continue;
		}
		if ((b & 0xc0) || pos + 1 + b > len)
			return -EINVAL;
		if (name_append_label(pkt + pos + 1, b, out, outlen, &o) < 0)
			return -EINVAL;
		pos += 1 + b;
	}
}

int dns_packet_question(const uint8_t *pkt, size_t len, struct dns_question *q)
{
	memset(q, 0, sizeof(*q));
	if (len < DNS_HDR)
		return -EINVAL;
	q->id = rd16(pkt);
	q->flags = rd16(pkt + 2);
	if ((q->flags & DNS_FLAG_QR) || rd16(pkt + 4) != 1)
		return -EINVAL;
	size_t off = DNS_HDR;

	if (dns_packet_name(pkt, len, &off, q->name, sizeof(q->name)) < 0 || off + 4 > len)
		return -EINVAL;
	q->qtype = rd16(pkt + off);
	q->qclass = rd16(pkt + off + 2);
	q->qend = off + 4;
	if (DNS_OPCODE(q->flags) != 0)
		return -EOPNOTSUPP;
	return 0;
}

/* Skip one resource record at *off; fills its type, ttl and rdata bounds. */
static int rr_parse(const uint8_t *pkt, size_t len, size_t *off, uint16_t *type, uint32_t *ttl,
		    size_t *rdoff, size_t *rdlen)
{
	char name[DNS_NAME_MAX];

	if (dns_packet_name(pkt, len, off, name, sizeof(name)) < 0 || *off + 10 > len)
		return -EINVAL;
	*type = rd16(pkt + *off);
	*ttl = rd32(pkt + *off + 4);
	*rdlen = rd16(pkt + *off + 8);
	*rdoff = *off + 10;
	if (*rdlen > len - *rdoff)
		return -EINVAL;
	*off = *rdoff + *rdlen;
	return 0;
}

size_t dns_packet_udp_size(const uint8_t *pkt, size_t len, const struct dns_question *q)
{
	size_t off = q->qend, rdoff, rdlen;
	uint16_t type;
	uint32_t ttl;

	if (len < DNS_HDR || rd16(pkt + 6) || rd16(pkt + 8) || rd16(pkt + 10) != 1 ||
	    off + 11 > len || pkt[off] != 0)
		return 512;
	if (rr_parse(pkt, len, &off, &type, &ttl, &rdoff, &rdlen) < 0 || type != DNS_TYPE_OPT)
		return 512;
	size_t size = rd16(pkt + q->qend + 3); /* the OPT record's CLASS field */

	return size < 512 ? 512 : size;
}

int dns_packet_answers(const uint8_t *pkt, size_t len, dns_answer_fn fn, void *ctx)
{
	if (len < DNS_HDR)
		return -EINVAL;
	unsigned qd = rd16(pkt + 4), an = rd16(pkt + 6);
	size_t off = DNS_HDR;
	char name[DNS_NAME_MAX];

	for (unsigned i = 0; i < qd; i++) {
		if (dns_packet_name(pkt, len, &off, name, sizeof(name)) < 0 || off + 4 > len)
			return -EINVAL;
		off += 4;
	}
	for (unsigned i = 0; i < an; i++) {
		uint16_t type;
		uint32_t ttl;
		size_t rdoff, rdlen;

		if (rr_parse(pkt, len, &off, &type, &ttl, &rdoff, &rdlen) < 0)
			return -EINVAL;
		if (ttl > 0x7fffffffu)
			ttl = 0; /* RFC 2181 §8 */
		if (type == DNS_TYPE_A && rdlen == 4)
			fn(ctx, AF_INET, pkt + rdoff, ttl);
		else if (type == DNS_TYPE_AAAA && rdlen == 16)
			fn(ctx, AF_INET6, pkt + rdoff, ttl);
	}
	return rd16(pkt + 2) & 0xf;
}

/* Header + question of a reply to q; returns the offset after the question. */
static int reply_head(const uint8_t *query, const struct dns_question *q, int rcode, uint8_t *out,
		      size_t cap)
{
	if (q->qend < DNS_HDR || q->qend > cap)
		return -ENOSPC;
	memcpy(out, query, q->qend);
	unsigned flags = DNS_FLAG_QR | DNS_FLAG_RA | (q->flags & (DNS_FLAG_RD | 0x7800));

	wr16(out + 2, flags | (unsigned)(rcode & 0xf));
	wr16(out + 4, 1);
	wr16(out + 6, 0);
	wr16(out + 8, 0);
	wr16(out + 10, 0);
	return (int)q->qend;
}

int dns_packet_reply_error(const uint8_t *query, const struct dns_question *q, int rcode,
			   uint8_t *out, size_t cap)
{
	return reply_head(query, q, rcode, out, cap);
}

int dns_packet_reply_address(const uint8_t *query, const struct dns_question *q,
			     const uint8_t *addr, size_t addrlen, uint32_t ttl, uint8_t *out,
			     size_t cap)
{
	int o = reply_head(query, q, DNS_RCODE_NOERROR, out, cap);

	if (o < 0 || !addr)
		return o;
	if ((size_t)o + 12 + addrlen > cap)
		return -ENOSPC;
	uint8_t *p = out + o;

	wr16(p, 0xc000 | DNS_HDR); /* pointer to the question's name */
	wr16(p + 2, addrlen == 4 ? DNS_TYPE_A : DNS_TYPE_AAAA);
	wr16(p + 4, 1);
	wr16(p + 6, ttl >> 16);
	wr16(p + 8, ttl & 0xffff);
	wr16(p + 10, (unsigned)addrlen);
	memcpy(p + 12, addr, addrlen);
	wr16(out + 6, 1);
	return o + 12 + (int)addrlen;
}

int dns_packet_truncated(const uint8_t *reply, size_t len, uint8_t *out, size_t cap)
{
	size_t off = DNS_HDR;
	char name[DNS_NAME_MAX];

	if (len < DNS_HDR || rd16(reply + 4) != 1)
		return -EINVAL;
	if (dns_packet_name(reply, len, &off, name, sizeof(name)) < 0 || off + 4 > len ||
	    off + 4 > cap)
		return -EINVAL;
	off += 4;
	memcpy(out, reply, off);
	wr16(out + 2, rd16(reply + 2) | DNS_FLAG_TC);
	wr16(out + 6, 0);
	wr16(out + 8, 0);
	wr16(out + 10, 0);
	return (int)off;
}
