/*
 * Vector 7: ld-linux's program named through a symlink with an allowed
 * name: work/esc_ldlink -> bin/denied. An execve is decided on the
 * canonical program (esc_exec_symlink), but the program ld-linux loads is
 * only a name in its argv, never exec'd: judged as written, "esc_ldlink"
 * is allowed (esc_*), and ld-linux follows the link to bin/denied.
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *ldso = "/lib64/ld-linux-x86-64.so.2";
	const char *marker = esc_marker("ldso-link");
	const char *link = esc_fmt("%s/esc_ldlink", esc_work());

	if (!esc_exists(ldso) && !esc_tracer_pid())
		esc_skip("no %s on this host", ldso);
	unlink(link);
	if (symlink(esc_denied_bin(), link) < 0)
		esc_broken("symlink %s: %s", link, strerror(errno));
	char *argv[] = { "ld-linux-x86-64.so.2", (char *)link, (char *)marker, NULL };
	if (esc_spawn_marker(ldso, argv, marker))
		esc_success("ld-linux ran the denied binary through %s", link);
	esc_blocked("the denied binary did not run");
}
