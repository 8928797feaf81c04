/*
 * Vector 4: timestamps changed by path (no open at all): utimensat and
 * utimes set protected/victim.txt's mtime to 1970.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <sys/time.h>

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	struct timespec ts[2] = { { 1, 0 }, { 1, 0 } };
	struct timeval tv[2] = { { 2, 0 }, { 2, 0 } };
	struct stat st;
	int won = 0;

	if (utimensat(AT_FDCWD, victim, ts, 0) == 0 && stat(victim, &st) == 0 && st.st_mtime == 1)
		won++;
	if (utimes(victim, tv) == 0 && stat(victim, &st) == 0 && st.st_mtime == 2)
		won++;
	if (won)
		esc_success("%d timestamp change(s) on protected/victim.txt", won);
	esc_blocked("utimensat/utimes: %s", strerror(errno));
}
