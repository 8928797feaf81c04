/*
 * Vector 7: the denied binary as a script's interpreter. work/esc_shebang_sh
 * (an allowed name: command_rules allow esc_*) starts with
 * "#!<bin>/denied <marker>"; execve of the script makes the kernel
 * (binfmt_script) exec bin/denied itself, with no execve of it to stop.
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *marker = esc_marker("shebang");
	const char *script = esc_fmt("%s/esc_shebang_sh", esc_work());
	FILE *f = fopen(script, "w");

	if (!f)
		esc_broken("%s: %s", script, strerror(errno));
	fprintf(f, "#!%s %s\n", esc_denied_bin(), marker);
	if (fclose(f) != 0 || chmod(script, 0755) < 0)
		esc_broken("%s: %s", script, strerror(errno));
	char *argv[] = { (char *)script, NULL };
	if (esc_spawn_marker(script, argv, marker))
		esc_success("bin/denied ran as the interpreter of an allowed script");
	esc_blocked("the denied binary did not run");
}
