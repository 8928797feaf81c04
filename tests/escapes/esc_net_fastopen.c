/*
 * Vector 12: TCP sendto() with MSG_FASTOPEN: the connection is made by
 * sendto, never by connect().
 * expect: ptrace_network
 * expect-match: 127.0.0.2
 */
#include "esc.h"

int main(void)
{
	struct sockaddr_in sin = esc_deny_sin();
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (sendto(s, "hi", 2, MSG_FASTOPEN, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		if (errno == EOPNOTSUPP && !esc_tracer_pid())
			esc_skip("TCP fast open disabled here (net.ipv4.tcp_fastopen)");
		esc_blocked("sendto(MSG_FASTOPEN): %s", strerror(errno));
	}
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("MSG_FASTOPEN connected to the denied address");
	esc_blocked("no banner from the denied address");
}
