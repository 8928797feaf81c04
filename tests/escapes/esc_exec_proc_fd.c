/*
 * Vector 7: execve("/proc/self/fd/N") of an fd open on the denied binary: the
 * filename is a magic link, not the binary's name.
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *marker = esc_marker("procfd");
	int fd = open(esc_denied_bin(), O_RDONLY);
	if (fd < 0)
		esc_broken("open denied binary: %s", strerror(errno));
	char *argv[] = { "innocent", (char *)marker, NULL };
	if (esc_spawn_marker(esc_fmt("/proc/self/fd/%d", fd), argv, marker))
		esc_success("execve(/proc/self/fd/N) ran the denied binary");
	esc_blocked("the denied binary did not run");
}
