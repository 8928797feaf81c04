/*
 * Vector 7: the denied binary as the payload of env(1) with an assignment
 * and an option in front (env is an allowed, transparent command).
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *marker = esc_marker("env");
	char *argv[] = { "env", "-u", "NOTHING", "X=1", (char *)esc_denied_bin(), (char *)marker, NULL };
	if (esc_spawn_marker("/usr/bin/env", argv, marker))
		esc_success("env ran the denied binary");
	esc_blocked("the denied binary did not run");
}
