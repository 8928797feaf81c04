/*
 * Vector 16: unshare(CLONE_NEWUSER|CLONE_NEWNS): a user namespace (the route an
 * unprivileged agent takes) with root mapped, then a bind mount of the
 * protected dir to an allowed name.
 * expect: ptrace_process|ptrace_file
 */
#include "esc_ns.h"

int main(void)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	if (unshare(CLONE_NEWUSER) < 0) {
		if ((errno == EINVAL || errno == ENOSPC) && !esc_tracer_pid())
			esc_skip("user namespaces unavailable: %s", strerror(errno));
		esc_blocked("unshare(CLONE_NEWUSER): %s", strerror(errno));
	}
	esc_write_file("/proc/self/setgroups", "deny");
	esc_write_file("/proc/self/uid_map", esc_fmt("0 %d 1", (int)uid));
	esc_write_file("/proc/self/gid_map", esc_fmt("0 %d 1", (int)gid));
	int r = esc_private_mount_ns(0);
	if (r < 0)
		esc_blocked("unshare(CLONE_NEWNS) in the user namespace: %s", strerror(-r));
	const char *mnt = esc_bind_protected();
	if (!mnt)
		esc_blocked("mount --bind in the user namespace: %s", strerror(errno));
	esc_finish_fd(open(esc_fmt("%s/secret.txt", mnt), O_RDONLY), "open via a bind mount in a user namespace");
}
