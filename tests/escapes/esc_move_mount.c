/*
 * Vector 16: open_tree(OPEN_TREE_CLONE) + move_mount onto work/mnt (in a
 * private mount namespace, so the host's tree is untouched).
 * expect: ptrace_process|ptrace_file
 */
#include "esc_ns.h"
#include <linux/mount.h>

int main(void)
{
	int r = esc_private_mount_ns(0);
	if (r < 0)
		esc_blocked("unshare(CLONE_NEWNS): %s", strerror(-r));
	int t = (int)syscall(SYS_open_tree, AT_FDCWD, esc_protected(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (t < 0) {
		if (errno == ENOSYS && !esc_tracer_pid())
			esc_skip("open_tree unavailable: %s", strerror(errno));
		esc_blocked("open_tree: %s", strerror(errno));
	}
	const char *mnt = esc_fmt("%s/mnt", esc_work());
	mkdir(mnt, 0755);
	if (syscall(SYS_move_mount, t, "", AT_FDCWD, mnt, MOVE_MOUNT_F_EMPTY_PATH) < 0)
		esc_blocked("move_mount: %s", strerror(errno));
	esc_finish_fd(open(esc_fmt("%s/secret.txt", mnt), O_RDONLY), "open(work/mnt/secret.txt) after move_mount");
}
