/*
 * Vector 1: /proc/self/fd/N/secret.txt where N is an O_PATH fd of the
 * protected directory, and a numbered dup so the fd is not the obvious one.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	int dfd = open(esc_protected(), O_PATH | O_DIRECTORY);
	if (dfd < 0)
		esc_blocked("open dir: %s", strerror(errno));
	int n = fcntl(dfd, F_DUPFD_CLOEXEC, 77);
	close(dfd);
	esc_finish_fd(open(esc_fmt("/proc/self/fd/%d/secret.txt", n), O_RDONLY),
		      "open(/proc/self/fd/N/secret.txt)");
}
