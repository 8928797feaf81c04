/*
 * Vector 12: UDP sendmsg() with the denied address in msg_name.
 * expect: ptrace_network
 * expect-match: 127.0.0.2
 */
#include "esc.h"
#include <sys/uio.h>

int main(void)
{
	struct sockaddr_in sin = esc_deny_sin();
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct iovec iov = { "ping", 4 };
	struct msghdr m = { .msg_name = &sin, .msg_namelen = sizeof(sin), .msg_iov = &iov, .msg_iovlen = 1 };
	if (sendmsg(s, &m, 0) < 0)
		esc_blocked("sendmsg: %s", strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("UDP sendmsg reached the denied address (echo received)");
	esc_blocked("no echo from the denied address");
}
