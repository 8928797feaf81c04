/*
 * Vector 7: exec the denied binary through a symlink whose name is an
 * allowed command (work/allowed -> bin/denied): decisions must use the
 * canonical path, not the name the caller chose.
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *marker = esc_marker("symlink");
	const char *lnk = esc_fmt("%s/allowed", esc_work());
	unlink(lnk);
	if (symlink(esc_denied_bin(), lnk) < 0)
		esc_blocked("symlink: %s", strerror(errno));
	char *argv[] = { "allowed", (char *)marker, NULL };
	if (esc_spawn_marker(lnk, argv, marker))
		esc_success("exec via a symlink named 'allowed' ran the denied binary");
	esc_blocked("the denied binary did not run");
}
