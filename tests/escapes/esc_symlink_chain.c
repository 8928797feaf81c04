/*
 * Vector 2: a chain of relative symlinks through /proc/self/cwd ending at the
 * secret (a -> b -> /proc/self/cwd/../protected/secret.txt; cwd = work).
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	if (chdir(esc_work()) < 0)
		esc_broken("chdir work");
	unlink("a");
	unlink("b");
	if (symlink("/proc/self/cwd/../protected/secret.txt", "b") < 0 || symlink("b", "a") < 0)
		esc_blocked("symlink: %s", strerror(errno));
	esc_finish_fd(open("a", O_RDONLY), "open(a -> b -> /proc/self/cwd/../protected/secret.txt)");
}
