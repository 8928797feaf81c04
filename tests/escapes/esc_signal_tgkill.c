/*
 * Vector 11: tgkill() a process outside the traced tree.
 * expect: ptrace_signal
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	pid_t v = esc_victim_pid();
	if (syscall(SYS_tgkill, v, v, SIGTERM) < 0)
		esc_blocked("tgkill(%d): %s", (int)v, strerror(errno));
	esc_success("tgkill(SIGTERM) reached outside pid %d", (int)v);
}
