/*
 * Vector 6: clone3() with CLONE_UNTRACED (a tracer that only rewrites clone's
 * flags register misses clone3's struct). If clone3 is refused with ENOSYS
 * we fall back to clone, exactly as glibc does; the child reads the secret.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <linux/sched.h>
#include <sched.h>

int main(void)
{
	struct clone_args args = { .flags = CLONE_UNTRACED, .exit_signal = SIGCHLD };
	pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && errno == ENOSYS) {
		fprintf(stderr, "clone3: ENOSYS, falling back to clone\n");
		pid = (pid_t)syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, NULL, NULL, NULL, 0);
	}
	if (pid < 0)
		esc_blocked("clone3: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(esc_secret_path(), O_RDONLY);
		_exit(fd >= 0 && esc_fd_has_secret(fd) ? 0 : 1);
	}
	if (esc_wait(pid) == 0)
		esc_success("a clone3 child read the secret");
	esc_blocked("the clone3 child could not read the secret");
}
