/*
 * Vector 9: personality(PER_LINUX32 | ADDR_LIMIT_32BIT) before the open, to
 * confuse a tracer that picks the syscall table from the personality.
 * expect: ptrace_process|ptrace_file
 */
#include "esc.h"
#include <sys/personality.h>

int main(void)
{
	if (personality(PER_LINUX32 | ADDR_LIMIT_32BIT) < 0)
		esc_blocked("personality: %s", strerror(errno));
	esc_finish_fd(open(esc_secret_path(), O_RDONLY), "open under PER_LINUX32");
}
