/*
 * Vector 9: write a sibling tracee's memory through /proc/PID/mem.
 * expect: ptrace_file|ptrace_process
 */
#include "esc_sibling.h"

int main(void)
{
	pid_t pid = esc_sibling_start();
	int fd = open(esc_fmt("/proc/%d/mem", (int)pid), O_RDWR);
	ssize_t n = -1;
	if (fd >= 0)
		n = pwrite(fd, "pwned", 6, (off_t)(uintptr_t)esc_sibling_flag);
	int saved = errno;
	if (n != 6)
		kill(pid, SIGKILL);
	int st = esc_wait(pid);
	if (n == 6 && st == 0)
		esc_success("wrote the sibling's memory through /proc/PID/mem");
	esc_blocked("/proc/PID/mem write: %s (sibling exit %d)", strerror(saved), st);
}
