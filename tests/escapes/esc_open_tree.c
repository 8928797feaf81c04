/*
 * Vector 16: open_tree(OPEN_TREE_CLONE) of the protected directory gives a
 * detached mount; openat() relative to it names the secret as "secret.txt"
 * on a mount that is nowhere in the tree. Nothing is attached, nothing leaks.
 * expect: ptrace_process|ptrace_file
 */
#include "esc.h"
#include <linux/mount.h>

int main(void)
{
	int t = (int)syscall(SYS_open_tree, AT_FDCWD, esc_protected(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0) {
		if (errno == ENOSYS && !esc_tracer_pid())
			esc_skip("open_tree unavailable: %s", strerror(errno));
		esc_blocked("open_tree: %s", strerror(errno));
	}
	esc_finish_fd(openat(t, "secret.txt", O_RDONLY), "openat(open_tree clone, \"secret.txt\")");
}
