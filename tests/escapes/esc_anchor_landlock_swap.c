/*
 * Vector 2: the directory-swap race of esc_dir_swap_chmod, after the tracee
 * made itself a Landlock domain that restricts nothing it needs (it handles
 * only LANDLOCK_ACCESS_FS_MAKE_BLOCK). A Landlock'd process may not follow
 * the tracer's fd links, so the tracer stops anchoring its path calls
 * (tracer/anchor.c tracee_may_follow) and pins them by resolved name, where
 * a directory swapped for a symlink after the decision still redirects
 * them. landlock_restrict_self is allowed ("only restricts the tracee").
 * success = protected/victim.txt's mode changed.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <sys/prctl.h>
#include <sys/stat.h>

#ifndef LANDLOCK_ACCESS_FS_MAKE_BLOCK
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_restrict_self 446
#endif

static void landlock_self(void)
{
	struct {
		uint64_t handled_access_fs;
	} attr = { LANDLOCK_ACCESS_FS_MAKE_BLOCK };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

	if (rs < 0)
		esc_skip("landlock_create_ruleset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		esc_broken("no_new_privs: %s", strerror(errno));
	if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		esc_broken("landlock_restrict_self: %s", strerror(errno));
	close(rs);
}

int main(void)
{
	landlock_self();
	esc_chmod_swap_race(" (its own Landlock domain)");
}
