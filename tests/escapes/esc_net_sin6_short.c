/*
 * Vector 12: IPv6 connect() takes a sockaddr_in6 of 24 bytes
 * (SIN6_LEN_RFC2133: the RFC 2133 layout, without sin6_scope_id), shorter
 * than struct sockaddr_in6 (28). A decoder that wants all 28 bytes finds
 * the address "invalid" and leaves the call undecided; the kernel connects.
 * Target: ::ffff:127.0.0.2 (the denied address, IPv4-mapped).
 * success = the denied listener's banner.
 * expect: ptrace_network
 */
#include "esc.h"

int main(void)
{
	struct sockaddr_in deny = esc_deny_sin();
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = deny.sin_port };
	int s = socket(AF_INET6, SOCK_STREAM, 0);

	if (s < 0)
		esc_skip("no IPv6 sockets: %s", strerror(errno));
	sin6.sin6_addr.s6_addr[10] = sin6.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&sin6.sin6_addr.s6_addr[12], &deny.sin_addr, 4);
	if (connect(s, (struct sockaddr *)&sin6, 24) < 0)
		esc_blocked("connect (24-byte sockaddr_in6): %s", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("a 24-byte sockaddr_in6 reached the denied address");
	esc_blocked("connected, but no banner");
}
