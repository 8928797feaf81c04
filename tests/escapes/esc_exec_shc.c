/*
 * Vector 7: sh -c with the denied binary hidden behind a variable and a
 * command substitution (sh is allowed).
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *marker = esc_marker("shc");
	setenv("D", esc_denied_bin(), 1);
	setenv("M", marker, 1);
	char *argv[] = { "sh", "-c", "x=$(printf %s \"$D\"); \"$x\" \"$M\"", NULL };
	if (esc_spawn_marker("/bin/sh", argv, marker))
		esc_success("sh -c ran the denied binary");
	esc_blocked("the denied binary did not run");
}
