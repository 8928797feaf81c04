/*
 * Vector 1: fchdir to an O_PATH fd of the protected directory, then a relative
 * open: the cwd changed without any path naming it.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	int dfd = open(esc_protected(), O_PATH | O_DIRECTORY);
	if (dfd < 0)
		esc_blocked("open dir: %s", strerror(errno));
	if (chdir("/") < 0 || fchdir(dfd) < 0)
		esc_blocked("fchdir: %s", strerror(errno));
	close(dfd);
	esc_finish_fd(open("./secret.txt", O_RDONLY), "open(\"./secret.txt\") after fchdir");
}
