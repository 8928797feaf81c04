/*
 * Vector 7: execve from a non-leader thread: the kernel gives the new image
 * the leader's pid (the exec'ing tid vanishes), which confuses a tracer that
 * keys its state by tid. The denied binary must still not run.
 * expect: ptrace_execve
 * expect-match: denied
 */
#include "esc.h"
#include <pthread.h>

static const char *marker;

static void *execer(void *arg)
{
	extern char **environ;
	char *argv[] = { "denied", (char *)marker, NULL };
	execve((const char *)arg, argv, environ);
	fprintf(stderr, "thread execve: %s\n", strerror(errno));
	_exit(127);
}

int main(void)
{
	marker = esc_marker("thread-exec");
	const char *bin = esc_denied_bin();
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		pthread_create(&t, NULL, execer, (void *)bin);
		pause();
		_exit(1);
	}
	esc_wait(pid);
	if (esc_exists(marker))
		esc_success("a non-leader thread exec'd the denied binary");
	esc_blocked("the denied binary did not run");
}
