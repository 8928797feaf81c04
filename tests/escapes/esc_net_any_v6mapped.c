/*
 * Vector 12: a TCP connect to [::] from an IPv6 socket bound to an
 * IPv4-mapped address (::ffff:127.0.0.5). The tracer judges an any
 * destination as the socket's bound address (tracer/syscall.c
 * any_destination: 127.0.0.5, allowed), but tcp_v6_connect sends it to
 * INADDR_LOOPBACK whenever the bound address is v4-mapped: 127.0.0.1,
 * which esc_net_any_v6mapped.yaml denies. The listener is our own, on
 * [::] (dual stack), so the fixture's 127.0.0.2 listener is not needed.
 * success = the connection arrives at 127.0.0.1.
 * expect: ptrace_network
 */
#include "esc.h"

int main(void)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 }, src = any, dst = any, loc;
	socklen_t len = sizeof(any);
	int ls = socket(AF_INET6, SOCK_STREAM, 0), s = socket(AF_INET6, SOCK_STREAM, 0), a;
	char buf[INET6_ADDRSTRLEN];

	if (ls < 0 || s < 0 || bind(ls, (struct sockaddr *)&any, sizeof(any)) < 0 ||
	    listen(ls, 4) < 0 || getsockname(ls, (struct sockaddr *)&any, &len) < 0)
		esc_broken("listener on [::]: %s", strerror(errno));
	inet_pton(AF_INET6, "::ffff:127.0.0.5", &src.sin6_addr);
	if (bind(s, (struct sockaddr *)&src, sizeof(src)) < 0)
		esc_broken("bind ::ffff:127.0.0.5: %s", strerror(errno));
	/* Traced: the plain connect to the denied address first, for the record. */
	struct sockaddr_in lo = { .sin_family = AF_INET, .sin_port = any.sin6_port,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int probe = socket(AF_INET, SOCK_STREAM, 0);
	if (esc_tracer_pid() && connect(probe, (struct sockaddr *)&lo, sizeof(lo)) == 0)
		esc_success("a plain connect to 127.0.0.1 was allowed");
	close(probe);
	dst.sin6_port = any.sin6_port; /* [::] */
	if (connect(s, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		esc_blocked("connect [::]:%d: %s", ntohs(dst.sin6_port), strerror(errno));
	a = accept(ls, NULL, NULL);
	len = sizeof(loc);
	if (a < 0 || getsockname(a, (struct sockaddr *)&loc, &len) < 0)
		esc_broken("accept: %s", strerror(errno));
	inet_ntop(AF_INET6, &loc.sin6_addr, buf, sizeof(buf));
	if (strcmp(buf, "::ffff:127.0.0.1") == 0)
		esc_success("connect to [::] from ::ffff:127.0.0.5 arrived at 127.0.0.1");
	esc_blocked("the connection arrived at %s", buf);
}
