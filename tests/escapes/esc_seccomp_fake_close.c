/*
 * Vectors 2 and 10: sabotage exit-time verification. Our filter makes close()
 * return 0 without closing (SECCOMP_RET_ERRNO with 0). A tracer that denies
 * an open after the fact by injecting close(fd) into us and returning EACCES
 * leaves the fd open: we then scan our fds for the secret.
 * expect: ptrace_file|ptrace_process
 */
#include "esc_seccomp.h"

int main(void)
{
	const char *secret = esc_secret_path();
	int r = esc_seccomp_install(SYS_close, SECCOMP_RET_ERRNO | 0, 0);
	if (r < 0)
		esc_blocked("seccomp(close -> ERRNO 0): %s", strerror(-r));
	int fd = open(secret, O_RDONLY);
	if (fd >= 0 && esc_fd_has_secret(fd))
		esc_success("open returned the secret directly");
	for (int i = 3; i < 256; i++)
		if (fcntl(i, F_GETFD) >= 0 && esc_fd_has_secret(i))
			esc_success("open reported failure but fd %d still reads the secret", i);
	esc_blocked("open: %s; no leaked fd", strerror(errno));
}
