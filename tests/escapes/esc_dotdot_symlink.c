/*
 * Vector 1: ".." after a symlinked directory. work/jump -> ../protected/sub, so
 * work/jump/../secret.txt is lexically work/secret.txt (allowed, a decoy exists
 * there) but the kernel walks ".." physically: protected/secret.txt.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	const char *jump = esc_fmt("%s/jump", esc_work());
	const char *decoy = esc_fmt("%s/secret.txt", esc_work());
	int fd = open(decoy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "decoy\n", 6) != 6)
		esc_broken("decoy: %s", strerror(errno));
	close(fd);
	unlink(jump);
	if (symlink(esc_fmt("%s/sub", esc_protected()), jump) < 0)
		esc_blocked("symlink: %s", strerror(errno));
	esc_finish_fd(open(esc_fmt("%s/../secret.txt", jump), O_RDONLY), "open(work/jump/../secret.txt)");
}
