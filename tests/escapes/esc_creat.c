/*
 * Vector 4: creat() (its own syscall on x86_64) of a new file in the
 * protected directory.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	const char *p = esc_fmt("%s/planted.txt", esc_protected());
	long fd = syscall(SYS_creat, p, 0644);
	if (fd < 0)
		esc_blocked("creat: %s", strerror(errno));
	if (write((int)fd, "planted\n", 8) == 8 && esc_exists(p))
		esc_success("creat() planted a file in the protected directory");
	esc_blocked("creat returned an fd but nothing landed");
}
