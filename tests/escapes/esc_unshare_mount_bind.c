/*
 * Vector 16: unshare(CLONE_NEWNS) + mount --bind protected work/mnt: the
 * secret gets a second, allowed name (work/mnt/secret.txt).
 * expect: ptrace_process|ptrace_file
 */
#include "esc_ns.h"

int main(void)
{
	int r = esc_private_mount_ns(0);
	if (r < 0)
		esc_blocked("unshare(CLONE_NEWNS): %s", strerror(-r));
	const char *mnt = esc_bind_protected();
	if (!mnt)
		esc_blocked("mount --bind: %s", strerror(errno));
	esc_finish_fd(open(esc_fmt("%s/secret.txt", mnt), O_RDONLY), "open(work/mnt/secret.txt) via bind mount");
}
