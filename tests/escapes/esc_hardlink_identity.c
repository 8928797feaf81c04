/*
 * Vectors 2 and 16: a hard link made BEFORE the session (run.sh creates
 * work/prelinked). Only an identity check (device, inode) catches it.
 * expect: ptrace_file
 */
#include "esc.h"

int main(void)
{
	esc_finish_fd(open(esc_fmt("%s/prelinked", esc_work()), O_RDONLY),
		      "open(work/prelinked, a pre-existing hard link)");
}
