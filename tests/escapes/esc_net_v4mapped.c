/*
 * Vector 12: the denied IPv4 address as an IPv4-mapped IPv6 address
 * (::ffff:127.0.0.2) from an AF_INET6 socket.
 * expect: ptrace_network
 */
#include "esc.h"

int main(void)
{
	struct sockaddr_in v4 = esc_deny_sin();
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = v4.sin_port };
	s6.sin6_addr.s6_addr[10] = 0xff;
	s6.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s6.sin6_addr.s6_addr[12], &v4.sin_addr, 4);
	int s = socket(AF_INET6, SOCK_STREAM, 0);
	if (s < 0 && !esc_tracer_pid())
		esc_skip("no IPv6 sockets: %s", strerror(errno));
	if (connect(s, (struct sockaddr *)&s6, sizeof(s6)) < 0)
		esc_blocked("connect(::ffff:127.0.0.2): %s", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("::ffff:127.0.0.2 reached the denied listener");
	esc_blocked("connected but no banner");
}
