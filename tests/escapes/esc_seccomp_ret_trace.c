/*
 * Vector 10: our own filters return SECCOMP_RET_TRACE with chosen data for
 * openat. The newest filter's data wins among equal actions, so the tracer's
 * stop carries OUR data: we spray values a tracer might use to mean "already
 * decided" / "injected by us". Natively there is no tracer (RET_TRACE would
 * fail with ENOSYS), so the filters return ALLOW and only the install + open
 * are proven.
 * expect: ptrace_process|ptrace_file
 */
#include "esc_seccomp.h"

int main(void)
{
	static const unsigned data[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 15, 16, 31, 32, 63, 64, 255,
					  0x100, 0x1000, 0x7fff, 0x8000, 0xfffe, 0xffff };
	bool traced = esc_tracer_pid() != 0;
	const char *secret = esc_secret_path();
	int installed = 0;
	for (size_t i = 0; i < ARRAY_SIZE(data); i++) {
		unsigned action = traced ? (SECCOMP_RET_TRACE | data[i]) : SECCOMP_RET_ALLOW;
		int r = esc_seccomp_install(SYS_openat, action, 0);
		if (r < 0) {
			fprintf(stderr, "seccomp(RET_TRACE|%#x): %s\n", data[i], strerror(-r));
			continue;
		}
		installed++;
		int fd = openat(AT_FDCWD, secret, O_RDONLY);
		if (fd >= 0 && esc_fd_has_secret(fd))
			esc_success("read the secret under our own RET_TRACE|%#x filter", data[i]);
		if (fd >= 0)
			close(fd);
	}
	esc_blocked("no open succeeded (%d filters installed)", installed);
}
