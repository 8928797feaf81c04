/* DNS wire format (RFC 1035): the parts the proxy reads and writes. Internal to net/. */
#ifndef AGENTSH_NET_DNS_PACKET_H
#define AGENTSH_NET_DNS_PACKET_H

#include <stddef.h>
#include <stdint.h>

#define DNS_HDR 12
#define DNS_NAME_MAX 254 /* 253 characters + NUL */
#define DNS_TYPE_A 1
#define DNS_TYPE_CNAME 5
#define DNS_TYPE_AAAA 28
#define DNS_TYPE_OPT 41
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_SERVFAIL 2
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5

struct dns_question {
	uint16_t id;
	uint16_t flags;
	char name[DNS_NAME_MAX]; /* lowercased, dotted, no trailing dot; "" = root */
	uint16_t qtype;
	uint16_t qclass;
	size_t qend; /* offset just after the question */
};

/* Parse a query with exactly one question. Returns 0, -EINVAL (malformed:
 * no reply possible when shorter than a header), -EOPNOTSUPP (not a standard
 * query: answer NOTIMP). */
int dns_packet_question(const uint8_t *pkt, size_t len, struct dns_question *q);

/* The UDP payload size the client accepts: its EDNS0 OPT record's size
 * (clamped to 512..65535) or 512. */
size_t dns_packet_udp_size(const uint8_t *pkt, size_t len, const struct dns_question *q);

/* Decode the (possibly compressed) name at *off into out (dotted,
 * lowercased); advances *off past it. Returns 0 or -EINVAL. */
int dns_packet_name(const uint8_t *pkt, size_t len, size_t *off, char *out, size_t outlen);

/* Call fn for each A / AAAA record of the answer section (addr is 4 or 16
 * bytes). Returns the rcode (>= 0) or -EINVAL. */
typedef void (*dns_answer_fn)(void *ctx, int family, const uint8_t *addr, uint32_t ttl);
int dns_packet_answers(const uint8_t *pkt, size_t len, dns_answer_fn fn, void *ctx);

/* Reply to the query q (raw query bytes in query) with rcode and no
 * records. Returns the reply length or -ENOSPC. */
int dns_packet_reply_error(const uint8_t *query, const struct dns_question *q, int rcode,
			   uint8_t *out, size_t cap);
/* Reply with one address record (family AF_INET/AF_INET6, 4/16 bytes) for
 * the question's name, or NODATA when addr is NULL. */
int dns_packet_reply_address(const uint8_t *query, const struct dns_question *q,
			     const uint8_t *addr, size_t addrlen, uint32_t ttl, uint8_t *out,
			     size_t cap);
/* Header and question of reply with TC set (for a UDP client whose buffer
 * is too small). Returns the length or -EINVAL. */
int dns_packet_truncated(const uint8_t *reply, size_t len, uint8_t *out, size_t cap);

#endif /* !AGENTSH_NET_DNS_PACKET_H */
