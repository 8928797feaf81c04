/* sockaddr <-> text, IPv4-mapped IPv6 folded to IPv4. */
#include "compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>

#include "net.h"

static int sockaddr_format_v4(const struct in_addr *a, char *ip, size_t iplen)
{
	return inet_ntop(AF_INET, a, ip, iplen) ? 0 : -ENOSPC;
}

static int sockaddr_format_v6(const struct in6_addr *a, char *ip, size_t iplen)
{
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		struct in_addr v4;

		memcpy(&v4, &a->s6_addr[12], sizeof(v4));
		return sockaddr_format_v4(&v4, ip, iplen);
	}
	return inet_ntop(AF_INET6, a, ip, iplen) ? 0 : -ENOSPC;
}

int net_sockaddr_format(const struct sockaddr *sa, socklen_t len, char *ip, size_t iplen,
			int *port)
{
	if (!sa || len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		struct sockaddr_in in;

		if (len < (socklen_t)sizeof(in))
			return -EINVAL;
		memcpy(&in, sa, sizeof(in));
		if (port)
			*port = ntohs(in.sin_port);
		return sockaddr_format_v4(&in.sin_addr, ip, iplen);
	}
	if (sa->sa_family == AF_INET6) {
		struct sockaddr_in6 in6;

		if (len < (socklen_t)sizeof(in6))
			return -EINVAL;
		memcpy(&in6, sa, sizeof(in6));
		if (port)
			*port = ntohs(in6.sin6_port);
		return sockaddr_format_v6(&in6.sin6_addr, ip, iplen);
	}
	return -EAFNOSUPPORT;
}

/* Split "ip:port" / "[ipv6]:port" / "ip" / "ipv6" into host and port. */
static int sockaddr_split(const char *s, int default_port, char *host, size_t hostlen, int *port)
{
	const char *colon, *end;
	size_t n;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return -EINVAL;
		n = (size_t)(end - s - 1);
		colon = end[1] == ':' ? end + 1 : NULL;
		if (end[1] && !colon)
			return -EINVAL;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (colon && strchr(s, ':') != colon)
			colon = NULL; /* bare IPv6 */
		n = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (n == 0 || n >= hostlen)
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';
	*port = default_port;
	if (colon) {
		char *e;
		long p = strtol(colon + 1, &e, 10);

		if (!colon[1] || *e || p < 0 || p > 65535)
			return -EINVAL;
		*port = (int)p;
	}
	return 0;
}

int net_sockaddr_parse(const char *hostport, int default_port, struct sockaddr_storage *ss,
		       socklen_t *len)
{
	char host[INET6_ADDRSTRLEN + 8];
	int port, r;

	if (!hostport)
		return -EINVAL;
	r = sockaddr_split(hostport, default_port, host, sizeof(host), &port);
	if (r < 0)
		return r;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		*len = sizeof(*in);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

int net_ip_normalize(const char *ip, char *out, size_t outlen)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (!ip)
		return -EINVAL;
	if (inet_pton(AF_INET, ip, &a4) == 1)
		return sockaddr_format_v4(&a4, out, outlen);
	if (inet_pton(AF_INET6, ip, &a6) == 1)
		return sockaddr_format_v6(&a6, out, outlen);
	return -EINVAL;
}

bool net_sockaddr_is_dns(const struct sockaddr *sa, socklen_t len)
{
	char ip[INET6_ADDRSTRLEN];
	int port = 0;

	return net_sockaddr_format(sa, len, ip, sizeof(ip), &port) == 0 && port == 53;
}

int net_sockaddr_retarget(struct sockaddr_storage *sa, socklen_t *len, const char *ip, int port)
{
	struct sockaddr_storage target;
	socklen_t tlen;
	int r = net_sockaddr_parse(ip, port, &target, &tlen);

	if (r < 0)
		return r;
	if (sa->ss_family == AF_INET6 && target.ss_family == AF_INET) {
		struct sockaddr_in6 m = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
		const struct sockaddr_in *t4 = (const struct sockaddr_in *)&target;

		m.sin6_addr.s6_addr[10] = 0xff;
		m.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&m.sin6_addr.s6_addr[12], &t4->sin_addr, 4);
		memset(sa, 0, sizeof(*sa));
		memcpy(sa, &m, sizeof(m));
		*len = sizeof(m);
		return 0;
	}
	if (sa->ss_family == AF_INET && target.ss_family == AF_INET6)
		return -EINVAL; /* an AF_INET socket cannot reach an IPv6 proxy */
	*sa = target;
	*len = tlen;
	return 0;
}
