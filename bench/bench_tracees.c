/* Keeps N processes alive (itself and N-1 forked children that sleep) so the
 * tracer's memory can be read with that many tracees. Prints "ready N" once all
 * children exist, waits until stdin reaches EOF, then kills and reaps them.
 * Usage: bench_tracees [N] (default 500). */
#include "compat.h"

#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 500, live = 1;
	pid_t *kids;
	char buf[64];

	if (n < 1 || n > 100000 || !(kids = calloc(n, sizeof(*kids))))
		return 2;
	for (; live < n; live++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "bench_tracees: fork %d: %s\n", live, strerror(errno));
			break;
		}
		if (pid == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			for (;;)
				pause();
		}
		kids[live] = pid;
	}
	printf("ready %d\n", live);
	fflush(stdout);
	while (read(0, buf, sizeof(buf)) > 0)
		;
	for (int i = 1; i < live; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(kids);
	return live == n ? 0 : 1;
}
