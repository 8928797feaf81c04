/*
 * Vectors 3 and 7: fexecve of an fd another thread swaps. execveat(10, "",
 * AT_EMPTY_PATH) names no string, only fd 10, which the tracer judges by its
 * /proc link; a second thread of the same process (one fd table) flips fd 10
 * between bin/allowed and bin/denied with dup2 meanwhile, and the kernel
 * runs whatever fd 10 is when it looks. An exec with no name expects no
 * program at the exec event (tracer_exec_verify), so what ran is never
 * checked. Each try is a fresh child (an exec ends it); 5 s of tries.
 * expect: ptrace_execve
 */
#include "esc.h"
#include <pthread.h>

static int fd_allowed, fd_denied;

static void *flipper(void *arg)
{
	(void)arg;
	for (;;) {
		dup2(fd_allowed, 10);
		dup2(fd_denied, 10);
	}
	return NULL;
}

int main(void)
{
	const char *marker = esc_marker("fexecve");
	const char *allowed = esc_fmt("%s/allowed", esc_env("ESC_BIN"));
	long tries = 0;

	fd_allowed = open(allowed, O_RDONLY);
	fd_denied = open(esc_denied_bin(), O_RDONLY);
	if (fd_allowed < 0 || fd_denied < 0)
		esc_broken("open the binaries: %s", strerror(errno));
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end && !esc_exists(marker); tries++) {
		pid_t pid = fork();

		if (pid < 0)
			esc_broken("fork: %s", strerror(errno));
		if (pid == 0) {
			extern char **environ;
			char *argv[] = { "innocent", (char *)marker, NULL };
			pthread_t th;

			dup2(fd_allowed, 10);
			if (pthread_create(&th, NULL, flipper, NULL))
				_exit(2);
			syscall(SYS_execveat, 10, "", argv, environ, AT_EMPTY_PATH);
			_exit(127);
		}
		esc_wait(pid);
	}
	if (esc_exists(marker))
		esc_success("the denied binary ran through a swapped fd after %ld tries", tries);
	esc_blocked("the denied binary never ran in %ld tries", tries);
}
