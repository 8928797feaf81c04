/*
 * Vector 1: ".." and "." components that climb out of the allowed work dir
 * into the protected one, with doubled slashes.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	const char *p = esc_fmt("%s/.//../protected/sub/./../secret.txt", esc_work());
	esc_finish_fd(open(p, O_RDONLY), "open(work/../protected/sub/../secret.txt)");
}
