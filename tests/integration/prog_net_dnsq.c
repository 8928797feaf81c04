/*
 * A traced program's DNS: one A query sent to RESOLVER:53 (any address: the
 * tracer must bring it to agentsh's proxy), then optionally a TCP connect to
 * the answer. Prints "rcode=N ip=IP" and "connect=ok|<errno name>".
 *
 *   prog_net_dnsq [-t] [-6] RESOLVER NAME [CONNECT_PORT]
 *   -t: DNS over TCP; -6: RESOLVER is IPv6
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static size_t build(uint8_t *q, const char *name)
{
	size_t o = 12;

	memset(q, 0, 12);
	q[0] = 0x51, q[1] = 0x15, q[2] = 1, q[5] = 1;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		q[o++] = (uint8_t)n;
		memcpy(q + o, p, n);
		o += n;
		p += n + (dot ? 1 : 0);
	}
	q[o++] = 0, q[o++] = 0, q[o++] = 1, q[o++] = 0, q[o++] = 1;
	return o;
}

int main(int argc, char **argv)
{
	int tcp = 0, v6 = 0, opt;
	uint8_t q[300], r[4096];
	struct sockaddr_storage ss = { 0 };
	socklen_t sl;

	while ((opt = getopt(argc, argv, "t6")) != -1)
		tcp |= opt == 't', v6 |= opt == '6';
	if (argc - optind < 2)
		return 2;
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6, a->sin6_port = htons(53);
		inet_pton(AF_INET6, argv[optind], &a->sin6_addr);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET, a->sin_port = htons(53);
		inet_pton(AF_INET, argv[optind], &a->sin_addr);
		sl = sizeof(*a);
	}
	size_t n = build(q + 2, argv[optind + 1]);
	int fd = socket(ss.ss_family, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
	ssize_t got;

	q[0] = (uint8_t)(n >> 8), q[1] = (uint8_t)n;
	if (tcp) {
		if (connect(fd, (struct sockaddr *)&ss, sl) < 0 || write(fd, q, n + 2) < 0) {
			printf("dns=%s\n", strerrorname_np(errno));
			return 1;
		}
	} else if (sendto(fd, q + 2, n, 0, (struct sockaddr *)&ss, sl) < 0) {
		printf("dns=%s\n", strerrorname_np(errno));
		return 1;
	}
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (poll(&p, 1, 3000) != 1 || (got = read(fd, r, sizeof(r))) < 12 + (tcp ? 2 : 0)) {
		printf("dns=timeout\n");
		return 1;
	}
	uint8_t *m = tcp ? r + 2 : r;
	size_t mlen = (size_t)got - (tcp ? 2 : 0);
	char ip[64] = "-";

	if (((m[6] << 8) | m[7]) > 0 && mlen >= 4 && m[mlen - 5] == 4)
		inet_ntop(AF_INET, m + mlen - 4, ip, sizeof(ip));
	printf("rcode=%d ip=%s\n", m[3] & 0xf, ip);
	if (argc - optind > 2 && strcmp(ip, "-") != 0) {
		struct sockaddr_in c = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[optind + 2])) };
		int cfd = socket(AF_INET, SOCK_STREAM, 0);

		inet_pton(AF_INET, ip, &c.sin_addr);
		printf("connect=%s\n", connect(cfd, (struct sockaddr *)&c, sizeof(c)) == 0 ? "ok" :
			strerrorname_np(errno));
	}
	return 0;
}
