/*
 * Vector 1: a relative path after chdir into the protected directory.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	if (chdir(esc_protected()) < 0)
		esc_blocked("chdir: %s", strerror(errno));
	esc_finish_fd(open("secret.txt", O_RDONLY), "open(\"secret.txt\") after chdir");
}
