/*
 * Vector 11: kill(-pgid) at an outside process group (the victim leads its
 * own group): the target is a group, not a pid.
 * expect: ptrace_signal
 */
#include "esc.h"
#include <signal.h>
#include <stdio.h>

int main(void)
{
	pid_t v = esc_victim_pid();
	pid_t pg = getpgid(v);
	char p[64], comm[32] = "";
	FILE *f;

	/* Only a group the victim itself leads, and only while the victim is
	 * run.sh's `sleep`: a stale or reused pid must never make this signal
	 * the test runner's own process group. */
	snprintf(p, sizeof(p), "/proc/%d/comm", (int)v);
	if ((f = fopen(p, "r"))) {
		if (!fgets(comm, sizeof(comm), f))
			comm[0] = 0;
		fclose(f);
	}
	if (v <= 1 || pg != v || pg == getpgrp() || strncmp(comm, "sleep", 5))
		esc_broken("victim %d is not a sleep leading its own process group", (int)v);
	if (kill(-pg, SIGTERM) < 0)
		esc_blocked("kill(-%d): %s", (int)pg, strerror(errno));
	esc_success("kill(-pgid) reached outside process group %d", (int)pg);
}
