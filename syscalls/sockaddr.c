#include "compat.h"
#include "sockaddr.h"
#include "op.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

static int decode_in4(const void *buf, size_t len, struct op *op)
{
	struct sockaddr_in sin;

	if (len < sizeof(sin))
		return -EINVAL;
	memcpy(&sin, buf, sizeof(sin));
	inet_ntop(AF_INET, &sin.sin_addr, op->addr, sizeof(op->addr));
	op->port = ntohs(sin.sin_port);
	return 0;
}

static int decode_in6(const void *buf, size_t len, struct op *op)
{
	struct sockaddr_in6 sin6 = { 0 };

	/* The kernel takes RFC 2133's 24 bytes (no sin6_scope_id). */
	if (len < offsetof(struct sockaddr_in6, sin6_scope_id))
		return -EINVAL;
	memcpy(&sin6, buf, len < sizeof(sin6) ? len : sizeof(sin6));
	op->port = ntohs(sin6.sin6_port);
	if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
		inet_ntop(AF_INET, &sin6.sin6_addr.s6_addr[12], op->addr, sizeof(op->addr));
		return 0;
	}
	inet_ntop(AF_INET6, &sin6.sin6_addr, op->addr, sizeof(op->addr));
	return 0;
}

static int decode_un(const void *buf, size_t len, struct op *op)
{
	const char *path = (const char *)buf + offsetof(struct sockaddr_un, sun_path);
	size_t n;

	if (len > sizeof(struct sockaddr_un))
		len = sizeof(struct sockaddr_un);
	if (len <= offsetof(struct sockaddr_un, sun_path))
		return -EINVAL; /* unnamed (autobind): nothing to judge */
	n = len - offsetof(struct sockaddr_un, sun_path);
	if (path[0] == 0) {
		/* Abstract: every byte counts, NULs included; show them as '@'. */
		size_t i;

		op->abstract = true;
		op->p1.raw[0] = '@';
		for (i = 1; i < n && i < sizeof(op->p1.raw) - 1; i++)
			op->p1.raw[i] = path[i] ? path[i] : '@';
		op->p1.raw[i] = 0;
		memcpy(op->p1.path, op->p1.raw, i + 1);
		return 0;
	}
	n = strnlen(path, n);
	memcpy(op->p1.raw, path, n);
	op->p1.raw[n] = 0;
	return 0;
}

int sockaddr_decode(const void *buf, size_t len, struct op *op)
{
	sa_family_t fam;

	if (len < sizeof(fam))
		return -EINVAL;
	memcpy(&fam, buf, sizeof(fam));
	op->family = fam;
	switch (fam) {
	case AF_INET:
		return decode_in4(buf, len, op);
	case AF_INET6:
		return decode_in6(buf, len, op);
	case AF_UNIX:
		return decode_un(buf, len, op);
	case AF_UNSPEC:
		/* connect(AF_UNSPEC) dissolves an association: nothing to
		 * judge. IPv4's sendto and bind take it as AF_INET. */
		if (op->net_op && strcmp(op->net_op, "connect") == 0)
			return 0;
		if (decode_in4(buf, len, op) < 0)
			return -EINVAL;
		op->family = AF_INET;
		return 0;
	default:
		return 0; /* other families: judged by family at socket() */
	}
}

long sockaddr_unix_named(const char *path, void *out, size_t max)
{
	struct sockaddr_un *sun = out;
	size_t n = strlen(path);

	if (n >= sizeof(sun->sun_path) || max < sizeof(*sun))
		return -ENAMETOOLONG;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n + 1);
	return (long)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

long sockaddr_unix_pinned(const struct op *op, void *out, size_t max)
{
	const char *path = op_path_pin(&op->p1);
	long n;

	/* bind names the socket it makes: getsockname() gives the name as
	 * bound, so it keeps the caller's. */
	if (op->family != AF_UNIX || op->abstract || !op->p1.raw[0] || !op->npaths || op->err ||
	    path[0] != '/' || !op->net_op || strcmp(op->net_op, "bind") == 0)
		return 0;
	n = sockaddr_unix_named(path, out, max);
	return n == -ENAMETOOLONG && strcmp(path, op->p1.raw) == 0 ? 0 : n;
}
