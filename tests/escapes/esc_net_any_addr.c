/*
 * Vector 12: a datagram to 0.0.0.0 goes to its own source address (the
 * kernel's route lookup makes an INADDR_ANY destination the source, or
 * 127.0.0.1 when there is none). The source is chosen per message with an
 * IP_PKTINFO control message (ipi_spec_dst = the denied 127.0.0.2), so
 * sendmsg to 0.0.0.0:P, an address no CIDR rule for 127.0.0.2 names,
 * reaches the denied listener, whose echo comes back. (Without the control
 * message the same send, or a TCP connect to 0.0.0.0, reaches 127.0.0.1:P:
 * "deny 127.0.0.1/32" policies fall the same way.)
 * success = the echo from the denied address.
 * expect: ptrace_network
 */
#include "esc.h"

#include <netinet/ip.h>

int main(void)
{
	struct sockaddr_in deny = esc_deny_sin(), any = deny;
	char cbuf[CMSG_SPACE(sizeof(struct in_pktinfo))] = { 0 };
	struct iovec iov = { .iov_base = "ping", .iov_len = 4 };
	struct msghdr m = { .msg_name = &any, .msg_namelen = sizeof(any), .msg_iov = &iov,
			    .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(c);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	any.sin_addr.s_addr = htonl(INADDR_ANY);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(*pi));
	pi->ipi_spec_dst = deny.sin_addr;
	if (s < 0)
		esc_broken("socket: %s", strerror(errno));
	if (sendmsg(s, &m, 0) < 0)
		esc_blocked("sendmsg to 0.0.0.0 from the denied address: %s", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("a datagram to 0.0.0.0 reached the denied listener (echo received)");
	esc_blocked("no echo from the denied address");
}
