/*
 * Vector 4: rename the protected directory itself (the rule names
 * protected/ and everything below, and a rename of the directory changes the
 * name of everything below), then open the secret under its new name.
 * expect: ptrace_file
 */
#include "esc.h"

int main(void)
{
	const char *moved = esc_fmt("%s/moved", esc_work());
	if (rename(esc_protected(), moved) < 0)
		esc_blocked("rename(protected, work/moved): %s", strerror(errno));
	esc_finish_fd(open(esc_fmt("%s/secret.txt", moved), O_RDONLY), "open(work/moved/secret.txt)");
}
