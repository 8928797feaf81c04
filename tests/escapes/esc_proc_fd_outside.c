/*
 * Vector 9: open /proc/T/fd/N, T a process outside the tree and N one of its
 * regular files (the tracer's events file, by the fixture's policy readable
 * by name): an outside process's open files are not the tree's to reach,
 * whatever the policy says of their names. Each fd of T is tried; reading a
 * regular file through its link is the escape. Natively there is no tracer:
 * a child of ours holding work/standin.txt open stands in for it.
 * expect: ptrace_file
 * expect-match: deny-foreign-process
 */
#include "esc.h"
#include <signal.h>

/* A child holding a regular file open, as the tracer holds its events file. */
static pid_t stand_in(void)
{
	return esc_standin_file("standin.txt", O_RDWR | O_CREAT | O_TRUNC, "stand-in\n");
}

/* Bytes of a regular file read through pid's fd link n; -1 if not one. */
static ssize_t read_through(pid_t pid, int n)
{
	char buf[256];
	struct stat st;
	ssize_t r;
	int fd = open(esc_fmt("/proc/%d/fd/%d", (int)pid, n), O_RDONLY);

	if (fd < 0) {
		if (errno != ENOENT)
			printf("open /proc/%d/fd/%d: %s\n", (int)pid, n, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd); /* a pipe, socket, /proc file: not what this is about */
		return -1;
	}
	r = read(fd, buf, sizeof(buf));
	printf("read /proc/%d/fd/%d: %zd bytes\n", (int)pid, n, r);
	close(fd);
	return r;
}

int main(void)
{
	pid_t tracer = esc_tracer_pid();
	pid_t pid = tracer ? tracer : stand_in();
	int got = -1;

	setvbuf(stdout, NULL, _IONBF, 0);
	for (int n = 3; n < 256 && got < 0; n++)
		if (read_through(pid, n) > 0)
			got = n;
	if (!tracer) {
		kill(pid, SIGKILL);
		esc_wait(pid);
	}
	if (got >= 0)
		esc_success("read a regular file of the %s through /proc/%d/fd/%d",
			    tracer ? "tracer" : "stand-in", (int)pid, got);
	esc_blocked("no regular file of %d could be read through its fd links", (int)pid);
}
