/*
 * Vector 7: ld-linux unwrapped with an option list that misses one: glibc's
 * --glibc-hwcaps-prepend (and --glibc-hwcaps-mask) take a value, so
 * "ld.so --glibc-hwcaps-prepend bin/allowed bin/denied FILE" runs
 * bin/denied, while a parser that thinks the option stands alone takes
 * bin/allowed for the program. The kernel only execs ld-linux; the denied
 * binary is mmap'ed, never exec'd, so only the unwrapping can judge it.
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *ldso = "/lib64/ld-linux-x86-64.so.2";
	const char *marker = esc_marker("ldso-opt");
	const char *allowed = esc_fmt("%s/allowed", esc_env("ESC_BIN"));

	if (!esc_exists(ldso) && !esc_tracer_pid())
		esc_skip("no %s on this host", ldso);
	char *argv[] = { "ld-linux-x86-64.so.2", "--glibc-hwcaps-prepend", (char *)allowed,
			 (char *)esc_denied_bin(), (char *)marker, NULL };
	if (esc_spawn_marker(ldso, argv, marker))
		esc_success("ld-linux ran the denied binary behind --glibc-hwcaps-prepend");
	esc_blocked("the denied binary did not run");
}
