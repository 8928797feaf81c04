/*
 * Vector 16: pivot_root into the fixture root (own mount namespace): the
 * secret becomes /protected/secret.txt and the old root disappears under
 * /work/old.
 * expect: ptrace_process|ptrace_file
 */
#include "esc_ns.h"

int main(void)
{
	const char *root = esc_env("ESC_ROOT");
	const char *secret_in_new_root = "/protected/secret.txt";
	int r = esc_private_mount_ns(0);
	if (r < 0)
		esc_blocked("unshare(CLONE_NEWNS): %s", strerror(-r));
	if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
		esc_blocked("bind root onto itself: %s", strerror(errno));
	const char *old = esc_fmt("%s/work/old", root);
	mkdir(old, 0755);
	if (syscall(SYS_pivot_root, root, old) < 0)
		esc_blocked("pivot_root: %s", strerror(errno));
	if (chdir("/") < 0)
		esc_blocked("chdir: %s", strerror(errno));
	esc_finish_fd(open(secret_in_new_root, O_RDONLY), "open(/protected/secret.txt) after pivot_root");
}
