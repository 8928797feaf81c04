/*
 * Vector 1: another process's cwd. A child chdirs into the protected directory
 * and waits; the parent opens /proc/CHILD/cwd/secret.txt.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	int go[2], ready[2];
	char c = 0;
	if (pipe(go) < 0 || pipe(ready) < 0)
		esc_broken("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(go[1]);
		if (chdir(esc_protected()) < 0)
			_exit(1);
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1)
		esc_blocked("child could not chdir into the protected dir");
	int fd = open(esc_fmt("/proc/%d/cwd/secret.txt", (int)pid), O_RDONLY);
	int saved = errno;
	close(go[1]);
	esc_wait(pid);
	errno = saved;
	esc_finish_fd(fd, "open(/proc/CHILD/cwd/secret.txt)");
}
