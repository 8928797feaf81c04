/*
 * Vector 11: rt_sigqueueinfo() (sigqueue) at an outside process.
 * expect: ptrace_signal
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	pid_t v = esc_victim_pid();
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	si.si_signo = SIGTERM;
	si.si_code = SI_QUEUE;
	si.si_pid = getpid();
	si.si_uid = getuid();
	if (syscall(SYS_rt_sigqueueinfo, v, SIGTERM, &si) < 0)
		esc_blocked("rt_sigqueueinfo(%d): %s", (int)v, strerror(errno));
	esc_success("rt_sigqueueinfo(SIGTERM) reached outside pid %d", (int)v);
}
