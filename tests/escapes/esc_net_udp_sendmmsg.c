/*
 * Vector 12: sendmmsg() whose FIRST message goes to an allowed address and
 * whose later ones go to the denied one: every message's address counts.
 * expect: ptrace_network
 * expect-match: 127.0.0.2
 */
#include "esc.h"
#include <sys/uio.h>

int main(void)
{
	struct sockaddr_in deny = esc_deny_sin();
	struct sockaddr_in ok = deny;
	ok.sin_addr.s_addr = htonl(0x7f000001);
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct iovec iov = { "ping", 4 };
	struct mmsghdr mm[3];
	memset(mm, 0, sizeof(mm));
	struct sockaddr_in *to[3] = { &ok, &ok, &deny };
	for (int i = 0; i < 3; i++) {
		mm[i].msg_hdr.msg_name = to[i];
		mm[i].msg_hdr.msg_namelen = sizeof(*to[i]);
		mm[i].msg_hdr.msg_iov = &iov;
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	int n = sendmmsg(s, mm, 3, 0);
	if (n < 0)
		esc_blocked("sendmmsg: %s", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("sendmmsg (%d sent) reached the denied address in message 3", n);
	esc_blocked("no echo from the denied address (%d sent)", n);
}
