/*
 * Vector 4: extended attributes written by path (no open at all) change a
 * protected file: setxattr and lsetxattr add one, removexattr takes one away
 * (security.capability would give a program capabilities).
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <sys/xattr.h>

int main(void)
{
	const char *p = esc_fmt("%s/victim.txt", esc_protected());
	char v[8];
	int won = 0;

	if (setxattr(p, "user.agentsh", "1", 1, 0) == 0)
		won++;
	else if (errno == ENOTSUP)
		esc_skip("no user xattrs on this file system");
	if (lsetxattr(p, "user.agentsh2", "2", 1, 0) == 0)
		won++;
	if (won && getxattr(p, "user.agentsh", v, sizeof(v)) > 0 && removexattr(p, "user.agentsh") == 0)
		won++;
	if (won)
		esc_success("%d xattr change(s) on protected/victim.txt", won);
	esc_blocked("setxattr: %s", strerror(errno));
}
