/*
 * Vector 1: /proc/self/cwd/... after chdir (a magic link the tracer must
 * resolve in the tracee, not in itself).
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	if (chdir(esc_protected()) < 0)
		esc_blocked("chdir: %s", strerror(errno));
	esc_finish_fd(open("/proc/self/cwd/secret.txt", O_RDONLY), "open(/proc/self/cwd/secret.txt)");
}
