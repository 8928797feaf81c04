/*
 * Vector 11: kill() a process outside the traced tree.
 * expect: ptrace_signal
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	pid_t v = esc_victim_pid();
	if (kill(v, SIGTERM) < 0)
		esc_blocked("kill(%d): %s", (int)v, strerror(errno));
	esc_success("kill(SIGTERM) reached outside pid %d", (int)v);
}
