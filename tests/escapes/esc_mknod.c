/*
 * Vector 4: mknod(S_IFREG) creates a file without any open.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	const char *p = esc_fmt("%s/planted-node", esc_protected());
	if (mknod(p, S_IFREG | 0644, 0) < 0)
		esc_blocked("mknod: %s", strerror(errno));
	if (esc_exists(p))
		esc_success("mknod planted protected/planted-node");
	esc_blocked("mknod returned 0 but nothing landed");
}
