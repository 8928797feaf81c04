/*
 * Vector 2: a symlink in the allowed work dir pointing at the secret.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	const char *link = esc_fmt("%s/innocent.txt", esc_work());
	unlink(link);
	if (symlink(esc_secret_path(), link) < 0)
		esc_blocked("symlink: %s", strerror(errno));
	esc_finish_fd(open(link, O_RDONLY), "open(work/innocent.txt -> secret)");
}
