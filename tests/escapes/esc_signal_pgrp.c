/*
 * Vector 11: kill(-pgid) at an outside process group (the victim leads its
 * own group): the target is a group, not a pid.
 * expect: ptrace_signal
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	pid_t v = esc_victim_pid();
	pid_t pg = getpgid(v);
	if (pg < 0 || pg == getpgrp())
		esc_broken("victim %d is not in its own process group", (int)v);
	if (kill(-pg, SIGTERM) < 0)
		esc_blocked("kill(-%d): %s", (int)pg, strerror(errno));
	esc_success("kill(-pgid) reached outside process group %d", (int)pg);
}
