/*
 * Vector 1: the protected path prefixed with /proc/self/root and
 * /proc/thread-self/root (magic links to the root).
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	int fd = open(esc_fmt("/proc/thread-self/root/%s", esc_secret_path()), O_RDONLY);
	if (fd < 0)
		fd = open(esc_fmt("/proc/self/root%s", esc_secret_path()), O_RDONLY);
	esc_finish_fd(fd, "open(/proc/self/root/<protected>/secret.txt)");
}
