/*
 * Vector 12: an IPv4 UDP sendto() takes a sockaddr whose family is
 * AF_UNSPEC as if it were AF_INET (udp_sendmsg's BSD compatibility): port
 * and address are read all the same. A decoder that judges only AF_INET
 * and AF_INET6 addresses lets the datagram go to the denied 127.0.0.2.
 * success = the echo comes back.
 * expect: ptrace_network
 */
#include "esc.h"

int main(void)
{
	struct sockaddr_in sin = esc_deny_sin();
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	sin.sin_family = AF_UNSPEC;
	if (sendto(s, "ping", 4, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		esc_blocked("sendto (AF_UNSPEC): %s", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("an AF_UNSPEC sockaddr took a datagram to the denied address (echo received)");
	esc_blocked("no echo from the denied address");
}
