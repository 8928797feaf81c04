/*
 * Vector 1: openat() relative to a directory fd of the protected directory
 * (the path argument alone, "secret.txt", names nothing protected).
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	int dfd = open(esc_protected(), O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		esc_blocked("open dir: %s", strerror(errno));
	esc_finish_fd(openat(dfd, "secret.txt", O_RDONLY), "openat(protected_dirfd, \"secret.txt\")");
}
