/*
 * A tiny authoritative DNS server for tests (UDP and TCP on 127.0.0.1).
 *
 *   prog_net_dnsd [-p PORTFILE] [-P PORT] NAME=IP[/TTL] ...
 *
 * NAME may be "*.suffix" (any name under suffix). Several records per name
 * are allowed. A/AAAA by the IP's family; a known name without a record of
 * the asked type gets NODATA, an unknown name NXDOMAIN. The chosen port is
 * written to PORTFILE. Runs until SIGTERM/SIGINT.
 *
 * Also #included by tests/unit/test_net_dnsproxy.c with DNSD_NO_MAIN.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define DNSD_MAX_REC 128

struct dnsd_record {
	char name[256];
	int family;
	uint8_t addr[16];
	uint32_t ttl;
};

struct dnsd {
	int udp, tcp, port;
	int nrec;
	volatile int queries;
	struct dnsd_record rec[DNSD_MAX_REC];
};

static int dnsd_add(struct dnsd *s, const char *spec)
{
	struct dnsd_record *r = &s->rec[s->nrec];
	const char *eq = strchr(spec, '=');
	char ip[64];
	const char *slash;
	size_t n;

	if (!eq || s->nrec == DNSD_MAX_REC || (size_t)(eq - spec) >= sizeof(r->name))
		return -1;
	memcpy(r->name, spec, (size_t)(eq - spec));
	r->name[eq - spec] = '\0';
	slash = strchr(eq + 1, '/');
	n = slash ? (size_t)(slash - eq - 1) : strlen(eq + 1);
	if (n >= sizeof(ip))
		return -1;
	memcpy(ip, eq + 1, n);
	ip[n] = '\0';
	r->ttl = slash ? (uint32_t)strtoul(slash + 1, NULL, 10) : 300;
	if (inet_pton(AF_INET, ip, r->addr) == 1)
		r->family = AF_INET;
	else if (inet_pton(AF_INET6, ip, r->addr) == 1)
		r->family = AF_INET6;
	else
		return -1;
	s->nrec++;
	return 0;
}

static int dnsd_name_match(const char *pattern, const char *name)
{
	if (pattern[0] == '*' && pattern[1] == '.') {
		size_t pl = strlen(pattern + 1), nl = strlen(name);

		return nl > pl && strcasecmp(name + nl - pl, pattern + 1) == 0;
	}
	return strcasecmp(pattern, name) == 0;
}

/* Uncompressed question name at off -> dotted; returns offset after it. */
static int dnsd_qname(const uint8_t *p, int len, int off, char *out, size_t cap)
{
	size_t o = 0;

	while (off < len && p[off]) {
		int l = p[off];

		if (l > 63 || off + 1 + l > len || o + (size_t)l + 2 > cap)
			return -1;
		if (o)
			out[o++] = '.';
		memcpy(out + o, p + off + 1, (size_t)l);
		o += (size_t)l;
		off += 1 + l;
	}
	out[o] = '\0';
	return off < len ? off + 1 : -1;
}

/* Build the reply to query q (qlen bytes) into out; returns its length. */
static int dnsd_answer(struct dnsd *s, const uint8_t *q, int qlen, uint8_t *out, int cap)
{
	char name[256];
	int qend = qlen < 12 ? -1 : dnsd_qname(q, qlen, 12, name, sizeof(name));
	int o, known = 0, an = 0;

	if (qend < 0 || qend + 4 > qlen || qend + 4 > cap)
		return -1;
	int qtype = (q[qend] << 8) | q[qend + 1];

	qend += 4;
	memcpy(out, q, (size_t)qend);
	o = qend;
	for (int i = 0; i < s->nrec; i++) {
		struct dnsd_record *r = &s->rec[i];
		int alen = r->family == AF_INET ? 4 : 16;

		if (!dnsd_name_match(r->name, name))
			continue;
		known = 1;
		if ((qtype == 1) != (r->family == AF_INET) || (qtype != 1 && qtype != 28))
			continue;
		if (o + 12 + alen > cap)
			break;
		uint8_t *p = out + o;

		p[0] = 0xc0, p[1] = 12;
		p[2] = 0, p[3] = (uint8_t)qtype, p[4] = 0, p[5] = 1;
		p[6] = (uint8_t)(r->ttl >> 24), p[7] = (uint8_t)(r->ttl >> 16);
		p[8] = (uint8_t)(r->ttl >> 8), p[9] = (uint8_t)r->ttl;
		p[10] = 0, p[11] = (uint8_t)alen;
		memcpy(p + 12, r->addr, (size_t)alen);
		o += 12 + alen;
		an++;
	}
	out[2] = 0x84 | (q[2] & 0x01); /* QR AA, RD copied */
	out[3] = known ? 0 : 3;
	out[4] = 0, out[5] = 1, out[6] = (uint8_t)(an >> 8), out[7] = (uint8_t)an;
	memset(out + 8, 0, 4);
	return o;
}

static int dnsd_init(struct dnsd *s, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	socklen_t al = sizeof(a);
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->udp < 0 || bind(s->udp, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(s->udp, (struct sockaddr *)&a, &al) < 0)
		return -1;
	s->tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(s->tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s->tcp < 0 || bind(s->tcp, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s->tcp, 16))
		return -1;
	s->port = ntohs(a.sin_port);
	return 0;
}

static int dnsd_read_full(int fd, uint8_t *buf, int n)
{
	for (int got = 0; got < n;) {
		ssize_t r = read(fd, buf + got, (size_t)(n - got));

		if (r <= 0)
			return -1;
		got += (int)r;
	}
	return 0;
}

/* One TCP client: answer its queries until it closes. */
static void dnsd_tcp_client(struct dnsd *s, int fd)
{
	uint8_t q[65535], out[65535 + 2];

	for (;;) {
		uint8_t hdr[2];
		int n;

		if (dnsd_read_full(fd, hdr, 2) < 0 || dnsd_read_full(fd, q, (hdr[0] << 8) | hdr[1]) < 0)
			break;
		s->queries++;
		n = dnsd_answer(s, q, (hdr[0] << 8) | hdr[1], out + 2, (int)sizeof(out) - 2);
		if (n < 0)
			break;
		out[0] = (uint8_t)(n >> 8), out[1] = (uint8_t)n;
		if (write(fd, out, (size_t)n + 2) != n + 2)
			break;
	}
	close(fd);
}

static void dnsd_serve(struct dnsd *s, volatile int *stop)
{
	static uint8_t q[65535], out[4096];

	while (!*stop) {
		struct pollfd p[2] = { { .fd = s->udp, .events = POLLIN },
				       { .fd = s->tcp, .events = POLLIN } };
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);

		if (poll(p, 2, 100) <= 0)
			continue;
		if (p[0].revents) {
			ssize_t n = recvfrom(s->udp, q, sizeof(q), 0, (struct sockaddr *)&peer, &pl);
			int m = n > 0 ? dnsd_answer(s, q, (int)n, out, sizeof(out)) : -1;

			s->queries++;
			if (m > 0)
				sendto(s->udp, out, (size_t)m, 0, (struct sockaddr *)&peer, pl);
		}
		if (p[1].revents) {
			int fd = accept4(s->tcp, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0)
				dnsd_tcp_client(s, fd);
		}
	}
}

#ifndef DNSD_NO_MAIN
static volatile int dnsd_stop;

static void dnsd_on_signal(int sig)
{
	(void)sig;
	dnsd_stop = 1;
}

int main(int argc, char **argv)
{
	static struct dnsd s;
	const char *portfile = NULL;
	int port = 0, opt;

	while ((opt = getopt(argc, argv, "p:P:")) != -1) {
		if (opt == 'p')
			portfile = optarg;
		else if (opt == 'P')
			port = atoi(optarg);
		else
			return 2;
	}
	for (int i = optind; i < argc; i++)
		if (dnsd_add(&s, argv[i]) < 0) {
			fprintf(stderr, "prog_net_dnsd: bad record \"%s\" (want NAME=IP[/TTL])\n",
				argv[i]);
			return 2;
		}
	if (dnsd_init(&s, port) < 0) {
		perror("prog_net_dnsd: bind");
		return 1;
	}
	signal(SIGTERM, dnsd_on_signal);
	signal(SIGINT, dnsd_on_signal);
	if (portfile) {
		FILE *f = fopen(portfile, "w");

		if (!f)
			return 1;
		fprintf(f, "%d\n", s.port);
		fclose(f);
	}
	dnsd_serve(&s, &dnsd_stop);
	return 0;
}
#endif
