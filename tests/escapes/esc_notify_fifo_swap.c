/*
 * Vectors 2 and 3, for the opens a backend leaves to the kernel, raced on
 * the file system rather than in memory. seccomp-notify answers CONTINUE
 * for a FIFO's blocking open (only the kernel can make it): the kernel then
 * resolves the name again, following symlinks. continue_safe() makes sure
 * no other task can rewrite the path STRING, but the NAME can change: a
 * child of ours (sharing nothing) flips the symlink work/d between real/
 * (holding a FIFO named secret.txt, kept open for writing so a reader's
 * open returns at once) and the protected directory, while we open
 * work/d/secret.txt O_RDONLY for 5 s. Judged while d leads to the FIFO,
 * opened by the kernel after d was flipped.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	const char *real = esc_fmt("%s/real", esc_work());
	const char *fifo = esc_fmt("%s/secret.txt", real);
	long tries = 0, fifos = 0, errs[64] = { 0 };
	pid_t flipper;
	int hold;

	if (chdir(esc_work()) < 0 || mkdir(real, 0755) < 0 || mkfifo(fifo, 0644) < 0)
		esc_broken("fixture: %s", strerror(errno));
	/* A writer that never goes away: an O_RDONLY open of the FIFO does not block. */
	hold = open(fifo, O_RDWR | O_NONBLOCK);
	if (hold < 0)
		esc_broken("open fifo O_RDWR: %s", strerror(errno));
	flipper = esc_flip_symlink("d", "real", esc_protected());
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end; tries++) {
		struct stat st;
		int fd = open("d/secret.txt", O_RDONLY);

		if (fd < 0) {
			if (errno < 64)
				errs[errno]++;
			continue;
		}
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && esc_fd_has_secret(fd)) {
			kill(flipper, SIGKILL);
			esc_success("work/d/secret.txt, judged a FIFO, was the secret after %ld opens "
				    "(%ld FIFOs)",
				    tries, fifos);
		}
		fifos++;
		close(fd);
	}
	kill(flipper, SIGKILL);
	esc_wait(flipper);
	for (int e = 0; e < 64; e++)
		if (errs[e])
			fprintf(stderr, "errno %s: %ld\n", strerror(e), errs[e]);
	esc_blocked("%ld opens: %ld FIFOs, never the secret", tries, fifos);
}
