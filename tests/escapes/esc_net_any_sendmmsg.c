/*
 * Vector 12: esc_net_any_addr through sendmmsg. A datagram to 0.0.0.0 goes
 * to its own source address, chosen per message by an IP_PKTINFO control
 * message (ipi_spec_dst = the denied 127.0.0.2). sendmsg judges 0.0.0.0
 * as the address it reaches and refuses it with control messages, but
 * sendmmsg's messages are decoded one by one (tracer/mmsg.c) and judged
 * as written: 0.0.0.0, which no rule for 127.0.0.2 names.
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
	struct mmsghdr mm = { .msg_hdr = { .msg_name = &any, .msg_namelen = sizeof(any),
					   .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
					   .msg_controllen = sizeof(cbuf) } };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mm.msg_hdr);
	struct in_pktinfo *pi = (struct in_pktinfo *)CMSG_DATA(c);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	any.sin_addr.s_addr = htonl(INADDR_ANY);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(*pi));
	pi->ipi_spec_dst = deny.sin_addr;
	if (s < 0)
		esc_broken("socket: %s", strerror(errno));
	/* Under agentsh the pinned copy is read-only: the kernel sends the
	 * datagram, then cannot write msg_len back (EFAULT). Listen anyway. */
	if (sendmmsg(s, &mm, 1, 0) < 1)
		printf("sendmmsg: %s\n", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("a datagram to 0.0.0.0 reached the denied listener (echo received)");
	esc_blocked("no echo from the denied address");
}
