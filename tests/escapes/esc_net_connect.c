/*
 * Vector 12 (baseline): a plain TCP connect to the denied address.
 * expect: ptrace_network
 * expect-match: 127.0.0.2
 */
#include "esc.h"

int main(void)
{
	struct sockaddr_in sin = esc_deny_sin();
	int s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		esc_blocked("connect: %s", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("connected to the denied address and read its banner");
	esc_blocked("connected but no banner");
}
