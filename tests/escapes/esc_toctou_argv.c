/*
 * Vectors 3 and 7: TOCTOU on execve's filename. In a child, a thread flips the
 * path between <bin>/allowed (a copy of true, allowed) and <bin>/denied (touch,
 * denied) while the main thread execs it; success = the denied binary ran
 * (it created the marker).
 * expect: ptrace_execve
 * expect-match: denied
 */
#include "esc.h"
#include <pthread.h>

static char path[4096];
static size_t name_off;

static void *flipper(void *arg)
{
	(void)arg;
	for (;;) {
		memcpy(path + name_off, "allowed", 8);
		memcpy(path + name_off, "denied\0", 8);
	}
	return NULL;
}

int main(void)
{
	const char *marker = esc_marker("argv");
	snprintf(path, sizeof(path), "%s/allowed", esc_env("ESC_BIN"));
	name_off = strlen(path) - strlen("allowed");
	double end = esc_now() + 8;
	int tries = 0;
	while (esc_now() < end && tries < 400) {
		tries++;
		pid_t pid = fork();
		if (pid == 0) {
			extern char **environ;
			char *argv[] = { "allowed", (char *)marker, NULL };
			pthread_t t;
			pthread_create(&t, NULL, flipper, NULL);
			usleep(50);
			execve(path, argv, environ);
			_exit(127);
		}
		esc_wait(pid);
		if (esc_exists(marker))
			esc_success("the denied binary ran after %d execs", tries);
	}
	esc_blocked("the denied binary never ran in %d execs", tries);
}
