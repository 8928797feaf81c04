/*
 * Vector 11: tkill() (the old thread-directed call) at an outside process.
 * expect: ptrace_signal
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	pid_t v = esc_victim_pid();
	if (syscall(SYS_tkill, v, SIGTERM) < 0)
		esc_blocked("tkill(%d): %s", (int)v, strerror(errno));
	esc_success("tkill(SIGTERM) reached outside pid %d", (int)v);
}
