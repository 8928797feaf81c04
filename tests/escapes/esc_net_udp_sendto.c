/*
 * Vector 12: UDP sendto() to the denied address (no connect at all);
 * success = the echo comes back.
 * expect: ptrace_network
 * expect-match: 127.0.0.2
 */
#include "esc.h"

int main(void)
{
	struct sockaddr_in sin = esc_deny_sin();
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (sendto(s, "ping", 4, 0, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		esc_blocked("sendto: %s", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("UDP sendto reached the denied address (echo received)");
	esc_blocked("no echo from the denied address");
}
