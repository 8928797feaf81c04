/*
 * Vector 7: busybox as a wrapper: `busybox env DENIED` (busybox is allowed and
 * transparent; its applet env execs the payload).
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *bb = NULL;
	const char *cands[] = { "/bin/busybox", "/usr/bin/busybox", "/sbin/busybox" };
	for (size_t i = 0; i < ARRAY_SIZE(cands) && !bb; i++)
		if (esc_exists(cands[i]))
			bb = cands[i];
	if (!bb)
		esc_skip("busybox is not installed on this host");
	const char *marker = esc_marker("busybox");
	char *argv[] = { "busybox", "env", (char *)esc_denied_bin(), (char *)marker, NULL };
	if (esc_spawn_marker(bb, argv, marker))
		esc_success("busybox env ran the denied binary");
	esc_blocked("the denied binary did not run");
}
