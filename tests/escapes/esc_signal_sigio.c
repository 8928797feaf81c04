/*
 * Vector 11: a signal without kill(). An fd's owner (F_SETOWN) gets its
 * SIGIO, and F_SETSIG chooses which signal that is: make the outside
 * victim the owner of a pipe's read end, choose SIGTERM, and write a byte.
 * expect: ptrace_process
 * expect-match: fcntl
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	pid_t v = esc_victim_pid();
	int p[2];

	if (pipe(p) < 0)
		esc_broken("pipe: %s", strerror(errno));
	if (fcntl(p[0], F_SETOWN, v) < 0)
		esc_blocked("F_SETOWN %d: %s", (int)v, strerror(errno));
	if (fcntl(p[0], F_SETSIG, SIGTERM) < 0 || fcntl(p[0], F_SETFL, O_ASYNC) < 0)
		esc_blocked("F_SETSIG/O_ASYNC: %s", strerror(errno));
	if (write(p[1], "x", 1) != 1)
		esc_broken("write: %s", strerror(errno));
	for (int i = 0; i < 100 && kill(v, 0) == 0; i++)
		usleep(10000);
	if (kill(v, 0) < 0 && errno == ESRCH)
		esc_success("SIGTERM through SIGIO reached outside pid %d", (int)v);
	esc_blocked("the victim is alive");
}
