/*
 * Vector 4/7: execveat(fd, "", AT_EMPTY_PATH) of the denied binary: the exec
 * has no path; reading the binary (open) is allowed.
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *marker = esc_marker("execveat");
	int fd = open(esc_denied_bin(), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		esc_broken("open denied binary: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		extern char **environ;
		char *argv[] = { "innocent", (char *)marker, NULL };
		syscall(SYS_execveat, fd, "", argv, environ, AT_EMPTY_PATH);
		fprintf(stderr, "execveat: %s\n", strerror(errno));
		_exit(127);
	}
	esc_wait(pid);
	if (esc_exists(marker))
		esc_success("execveat(fd, \"\", AT_EMPTY_PATH) ran the denied binary");
	esc_blocked("the denied binary did not run");
}
