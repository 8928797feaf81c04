/*
 * Vector 16: open_tree_attr (Linux 6.15, nr 467: open_tree with mount
 * attributes; libseccomp 2.5 has no name for it) with OPEN_TREE_CLONE of
 * the protected directory gives a detached mount; openat() relative to it
 * names the secret as "secret.txt" on a mount that is nowhere in the tree.
 * expect: ptrace_process|ptrace_file
 */
#include "esc.h"
#include <linux/mount.h>

int main(void)
{
	int t = (int)syscall(467, AT_FDCWD, esc_protected(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC, NULL, 0);
	if (t < 0) {
		if (errno == ENOSYS && !esc_tracer_pid())
			esc_skip("open_tree_attr unavailable: %s", strerror(errno));
		esc_blocked("open_tree_attr: %s", strerror(errno));
	}
	esc_finish_fd(openat(t, "secret.txt", O_RDONLY), "openat(open_tree_attr clone, \"secret.txt\")");
}
