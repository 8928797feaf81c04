/*
 * Vector 2: the directory-swap race on a call that is no open (chmod,
 * unlink, rename ... have no RESOLVE_NO_SYMLINKS). work/d flips between a
 * real directory holding a decoy victim.txt and a symlink to the protected
 * directory while the main thread chmods work/d/victim.txt: judged while d
 * is the real directory, run by the kernel after it became the symlink.
 * success = protected/victim.txt's mode changed.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <sys/stat.h>

int main(void)
{
	esc_chmod_swap_race("");
}
