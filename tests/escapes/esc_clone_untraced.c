/*
 * Vector 6: clone(CLONE_UNTRACED): a child the tracer would not auto-attach
 * unless the flag is stripped; the child then reads the secret.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <sched.h>

int main(void)
{
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, NULL, NULL, NULL, 0);
	if (pid < 0)
		esc_blocked("clone(CLONE_UNTRACED): %s", strerror(errno));
	if (pid == 0) {
		int fd = open(esc_secret_path(), O_RDONLY);
		fprintf(stderr, "child: TracerPid %d, open: %s\n", (int)esc_tracer_pid(),
			fd < 0 ? strerror(errno) : "ok");
		_exit(fd >= 0 && esc_fd_has_secret(fd) ? 0 : 1);
	}
	if (esc_wait(pid) == 0)
		esc_success("a CLONE_UNTRACED child read the secret");
	esc_blocked("the CLONE_UNTRACED child could not read the secret");
}
