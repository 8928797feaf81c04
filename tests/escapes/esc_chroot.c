/*
 * Vectors 1 and 16: chroot into the fixture root, then "/protected/secret.txt"
 * names the secret only inside the tracee's root. Paths must be resolved in the
 * tracee's root (or chroot denied in a session).
 * expect: ptrace_file|ptrace_process
 */
#include "esc.h"

int main(void)
{
	if (chroot(esc_env("ESC_ROOT")) < 0)
		esc_blocked("chroot: %s", strerror(errno));
	if (chdir("/") < 0)
		esc_blocked("chdir: %s", strerror(errno));
	esc_finish_fd(open("/protected/secret.txt", O_RDONLY), "open(/protected/secret.txt) in chroot");
}
