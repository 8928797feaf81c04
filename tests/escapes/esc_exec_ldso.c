/*
 * Vector 7: the dynamic loader runs the denied binary: the kernel only ever
 * execs ld-linux (allowed); the binary is mmap'ed, never exec'd.
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *ldso = "/lib64/ld-linux-x86-64.so.2";
	const char *marker = esc_marker("ldso");
	if (!esc_exists(ldso) && !esc_tracer_pid())
		esc_skip("no %s on this host", ldso);
	char *argv[] = { "ld-linux-x86-64.so.2", (char *)esc_denied_bin(), (char *)marker, NULL };
	if (esc_spawn_marker(ldso, argv, marker))
		esc_success("ld-linux ran the denied binary");
	esc_blocked("the denied binary did not run");
}
