/*
 * Vectors 2, 7: exec by a name that another process flips between bin/denied
 * and something that is no program: a symlink loop (ELOOP), then a
 * directory (EACCES). A decision that finds nothing to read, no interpreter
 * and no identity to check afterwards, may still see the kernel's walk
 * reach bin/denied: what ran must be decided at the exec event. Each
 * variant races for 2 s; either running bin/denied is the escape.
 * expect: ptrace_execve
 */
#include "esc.h"

#include <signal.h>

/* Exec ./esc_swap for 2 s while it flips; true if bin/denied ran. */
static bool race(const char *variant, const char *bad)
{
	char *marker = strdup(esc_marker(variant));
	char *denied = strdup(esc_denied_bin());
	pid_t flipper;
	int tries = 0;
	bool ran = false;

	if (!marker || !denied)
		esc_broken("out of memory");
	unlink("esc_swap");
	flipper = esc_flip_symlink("esc_swap", denied, bad);
	for (double end = esc_now() + 2.0; !ran && esc_now() < end; tries++) {
		char *argv[] = {"./esc_swap", marker, NULL};
		ran = esc_spawn_marker("./esc_swap", argv, marker);
	}
	kill(flipper, SIGKILL);
	esc_wait(flipper);
	printf("%s: bin/denied %s in %d execs\n", variant, ran ? "ran" : "never ran", tries);
	free(marker);
	free(denied);
	return ran;
}

int main(void)
{
	bool loop, dir;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (chdir(esc_work()) < 0)
		esc_broken("chdir: %s", strerror(errno));
	if (mkdir("esc_dir", 0755) < 0 && errno != EEXIST)
		esc_broken("mkdir: %s", strerror(errno));
	loop = race("loop", "esc_swap");
	dir = race("dir", "esc_dir");
	if (loop || dir)
		esc_success("bin/denied ran through a name flipped with a %s",
			    loop ? "symlink loop" : "directory");
	esc_blocked("bin/denied never ran through the flipped name");
}
