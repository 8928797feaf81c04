/*
 * Vector 2: the directory-swap race of esc_dir_swap_chmod, after the tracee
 * dropped CAP_SYS_PTRACE (and another capability) from its effective set
 * (root only). Its credentials then differ from agentsh's and it may not
 * follow the tracer's fd links, so the tracer stops anchoring its path
 * calls (tracer/anchor.c tracee_may_follow) and pins them by resolved name,
 * where a directory swapped for a symlink after the decision still
 * redirects them. capset is allowed: it only lowers the tracee.
 * success = protected/victim.txt's mode changed.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <sys/stat.h>

#include <linux/capability.h>

static void drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cd[2];

	if (geteuid() != 0)
		esc_skip("needs root (a capability to drop)");
	if (syscall(SYS_capget, &h, cd) < 0)
		esc_broken("capget: %s", strerror(errno));
	cd[0].effective &= ~((1u << CAP_SYS_PTRACE) | (1u << CAP_SYS_BOOT));
	if (syscall(SYS_capset, &h, cd) < 0)
		esc_broken("capset: %s", strerror(errno));
}

int main(void)
{
	drop_caps();
	esc_chmod_swap_race(" (capabilities dropped)");
}
