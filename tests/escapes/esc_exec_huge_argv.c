/*
 * Vector 13/7: huge argv. env(1) gets ~1 MB of assignment arguments before
 * the denied payload, so a tracer that reads a bounded argv sees only the
 * allowed wrapper: a truncated argv must be denied (on_truncated), not allowed.
 * expect: ptrace_execve
 */
#include "esc.h"

#define NFILL 120
#define FILL_LEN 8000

int main(void)
{
	const char *marker = esc_marker("hugeargv");
	static char fill[NFILL][FILL_LEN + 8];
	char *argv[NFILL + 4];
	int n = 0;
	argv[n++] = "env";
	for (int i = 0; i < NFILL; i++) {
		int k = snprintf(fill[i], sizeof(fill[i]), "F%d=", i);
		memset(fill[i] + k, 'a', FILL_LEN - (size_t)k);
		fill[i][FILL_LEN] = 0;
		argv[n++] = fill[i];
	}
	argv[n++] = (char *)esc_denied_bin();
	argv[n++] = (char *)marker;
	argv[n] = NULL;
	if (esc_spawn_marker("/usr/bin/env", argv, marker))
		esc_success("env with %d KB of argv ran the denied binary", NFILL * FILL_LEN / 1024);
	esc_blocked("the denied binary did not run");
}
