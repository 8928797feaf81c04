/*
 * Vector 2/7: exec by a name whose symlink another process flips between an
 * allowed program and the denied one. The exec is pinned by the name as
 * written (a script's $0 stays the caller's), so the kernel may walk a
 * different symlink than the one judged; what it ran must be the program
 * that was allowed, or be decided and killed before it runs.
 * expect: ptrace_execve
 */
#include "esc.h"

#include <signal.h>

int main(void)
{
	const char *marker = esc_marker("nameswap");
	const char *allowed = esc_fmt("%s/allowed", esc_env("ESC_BIN"));
	const char *denied = esc_denied_bin();
	pid_t flipper;

	if (chdir(esc_work()) < 0)
		esc_broken("chdir: %s", strerror(errno));
	unlink("esc_swap");
	if (symlink(allowed, "esc_swap") < 0)
		esc_broken("symlink: %s", strerror(errno));
	flipper = esc_flip_symlink("esc_swap", denied, allowed);
	double end = esc_now() + 2.0;
	int tries = 0;
	while (esc_now() < end) {
		char *argv[] = { "./esc_swap", (char *)marker, NULL };
		tries++;
		if (esc_spawn_marker("./esc_swap", argv, marker)) {
			kill(flipper, SIGKILL);
			esc_wait(flipper);
			esc_success("the denied binary ran through a swapped name after %d execs",
				    tries);
		}
	}
	kill(flipper, SIGKILL);
	esc_wait(flipper);
	esc_blocked("the denied binary never ran in %d execs", tries);
}
