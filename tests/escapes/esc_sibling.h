/* A sibling process whose memory the attacker tries to change. */
#ifndef AGENTSH_ESC_SIBLING_H
#define AGENTSH_ESC_SIBLING_H

#include "esc.h"

static volatile char esc_sibling_flag[16] = "unchanged";

/* Fork a child that exits 0 once esc_sibling_flag reads "pwned" (5 s max). */
static inline pid_t esc_sibling_start(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		double end = esc_now() + 5;
		while (esc_now() < end) {
			if (memcmp((const char *)esc_sibling_flag, "pwned", 6) == 0)
				_exit(0);
			usleep(1000);
		}
		_exit(1);
	}
	return pid;
}

#endif /* AGENTSH_ESC_SIBLING_H */
