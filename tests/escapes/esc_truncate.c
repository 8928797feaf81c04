/*
 * Vector 4: truncate() by path (no open at all) destroys a protected file.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	struct stat st;
	const char *p = esc_fmt("%s/victim.txt", esc_protected());
	if (truncate(p, 0) < 0)
		esc_blocked("truncate: %s", strerror(errno));
	if (stat(p, &st) == 0 && st.st_size == 0)
		esc_success("truncate() emptied protected/victim.txt");
	esc_blocked("victim.txt still has data");
}
