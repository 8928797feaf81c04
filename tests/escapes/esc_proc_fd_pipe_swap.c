/*
 * Vectors 1 and 3: a name under /proc/PID/fd/N/ that changes meaning with
 * another process's fd table. A child of ours flips its fd 50 between a pipe
 * and an fd of the protected DIRECTORY (the rule protected/... does not name the
 * directory itself, so opening it is allowed) with dup2, while we open
 * /proc/CHILD/fd/50/secret.txt for 5 s. Looked at while fd 50 is a pipe,
 * the name leads nowhere (ENOTDIR) and is kept as written, under /proc,
 * which the policy allows; if the open is then left to the kernel (a /proc
 * path), the kernel follows fd 50 as it is then: the protected directory.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	long tries = 0, errs[64] = { 0 };
	int p[2], dir;
	pid_t flipper;
	const char *name;

	dir = open(esc_protected(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		esc_broken("open the protected directory: %s", strerror(errno));
	if (pipe(p) < 0)
		esc_broken("pipe: %s", strerror(errno));
	flipper = fork();
	if (flipper < 0)
		esc_broken("fork: %s", strerror(errno));
	if (flipper == 0)
		for (;;) {
			dup2(p[0], 50);
			dup2(dir, 50);
		}
	name = esc_fmt("/proc/%d/fd/50/secret.txt", (int)flipper);
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end;) {
		int fd = open(name, O_RDONLY);

		tries++;
		if (fd < 0) {
			if (errno < 64)
				errs[errno]++;
			continue;
		}
		if (esc_fd_has_secret(fd)) {
			kill(flipper, SIGKILL);
			esc_success("%s read the secret after %ld opens", name, tries);
		}
		close(fd);
	}
	kill(flipper, SIGKILL);
	esc_wait(flipper);
	for (int e = 0; e < 64; e++)
		if (errs[e])
			fprintf(stderr, "errno %s: %ld\n", strerror(e), errs[e]);
	esc_blocked("%ld opens of %s, never the secret", tries, name);
}
