/*
 * Vector 8: the x32 ABI (syscall number | 0x40000000). Skips where the kernel
 * has no x32 support (ENOSYS).
 * expect: ptrace_file|ptrace_process
 */
#include "esc.h"

#define X32_BIT 0x40000000L

int main(void)
{
#if !defined(__x86_64__)
	esc_skip("x32 is an x86_64 vector");
#else
	long r = syscall(X32_BIT | SYS_getpid);
	if (r < 0 && !esc_tracer_pid())
		esc_skip("x32 syscalls unavailable (%s: kernel without CONFIG_X86_X32_ABI)", strerror(errno));
	long fd = syscall(X32_BIT | SYS_openat, AT_FDCWD, esc_secret_path(), O_RDONLY, 0);
	esc_finish_fd((int)fd, "x32 openat");
#endif
}
