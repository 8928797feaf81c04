/*
 * Vectors 2, 7: ld.so's program is judged by the file its name leads to at
 * the decision (esc_exec_ldso_symlink), but ld.so opens that name itself
 * later, as an ordinary read: another process flips work/esc_ldprog
 * between bin/allowed and bin/denied (atomic renames of a symlink) while
 * the tree runs ld-linux-x86-64.so.2 work/esc_ldprog MARKER. The exec
 * event checks that ld.so ran, which it did; ld.so's open of its program
 * is judged as the exec again (enforce/ldso.c).
 * success = the denied program (touch) created its marker.
 * expect: ptrace_execve|ptrace_file
 */
#include "esc.h"

int main(void)
{
	const char *ldso = "/lib64/ld-linux-x86-64.so.2";
	const char *allowed = esc_fmt("%s/allowed", esc_env("ESC_BIN"));
	const char *marker = esc_marker("ldso-race");
	char prog[4096];

	if (!esc_exists(ldso) && !esc_tracer_pid())
		esc_skip("no %s on this host", ldso);
	if (chdir(esc_work()) < 0)
		esc_broken("chdir: %s", strerror(errno));
	snprintf(prog, sizeof(prog), "%s/esc_ldprog", esc_work());
	pid_t flipper = esc_flip_symlink("esc_ldprog", allowed, esc_denied_bin());
	char *argv[] = { "ld-linux-x86-64.so.2", prog, (char *)marker, NULL };
	bool ran = false;
	int tries = 0;

	for (double end = esc_now() + esc_race_seconds(); esc_now() < end && !ran; tries++)
		ran = esc_spawn_marker(ldso, argv, marker);
	kill(flipper, SIGKILL);
	esc_wait(flipper);
	if (ran)
		esc_success("ld.so ran the denied program after %d tries", tries);
	esc_blocked("the denied program did not run in %d tries", tries);
}
