/*
 * Vectors 5 and 12: IORING_OP_CONNECT to the denied address: no connect(2).
 * expect: ptrace_process|ptrace_network
 */
#include "esc_uring.h"

int main(void)
{
	struct esc_uring r;
	esc_uring_init(&r);
	struct sockaddr_in sin = esc_deny_sin();
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct io_uring_sqe sqe = { .opcode = IORING_OP_CONNECT, .fd = s };
	sqe.addr = (uint64_t)(uintptr_t)&sin;
	sqe.off = sizeof(sin);
	int res = esc_uring_run(&r, &sqe);
	if (res < 0)
		esc_blocked("IORING_OP_CONNECT: %s", strerror(-res));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("io_uring connected to the denied address and read its banner");
	esc_blocked("connected but no banner");
}
