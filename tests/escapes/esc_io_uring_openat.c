/*
 * Vector 5: IORING_OP_OPENAT: the kernel opens the secret for us with no
 * syscall stop at all (then plain read()s the fd).
 * expect: ptrace_process|ptrace_file
 */
#include "esc_uring.h"

int main(void)
{
	struct esc_uring r;
	esc_uring_init(&r);
	struct io_uring_sqe sqe = { .opcode = IORING_OP_OPENAT, .fd = AT_FDCWD };
	sqe.addr = (uint64_t)(uintptr_t)esc_secret_path();
	sqe.open_flags = O_RDONLY;
	int fd = esc_uring_run(&r, &sqe);
	if (fd < 0)
		errno = -fd;
	esc_finish_fd(fd, "io_uring IORING_OP_OPENAT");
}
