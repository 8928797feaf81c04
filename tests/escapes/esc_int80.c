/*
 * Vector 8: the i386 ABI via int 0x80 on x86_64 (open is nr 5 there, not 2).
 * The path lives below 4 GiB (32-bit registers). Skips where the kernel has
 * no IA32 emulation (int 0x80 then raises SIGSEGV).
 * expect: ptrace_file|ptrace_process
 */
#include "esc.h"
#include <sys/mman.h>

static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

int main(void)
{
#if !defined(__x86_64__)
	esc_skip("int 0x80 is an x86_64 vector");
#else
	pid_t probe = fork();
	if (probe == 0)
		_exit(int80(20 /* i386 getpid */, 0, 0, 0) > 0 ? 0 : 3);
	int st = esc_wait(probe);
	if (st != 0 && esc_tracer_pid())
		esc_blocked("int 0x80 failed under the tracer (probe exit %d)", st);
	if (st != 0)
		esc_skip("int 0x80 unavailable (probe exit %d: no IA32 emulation in this kernel)", st);
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED)
		esc_broken("mmap MAP_32BIT: %s", strerror(errno));
	snprintf(low, 4096, "%s", esc_secret_path());
	long fd = int80(5 /* i386 open */, (long)(uintptr_t)low, O_RDONLY, 0);
	if (fd < 0)
		errno = (int)-fd;
	esc_finish_fd((int)fd, "i386 open via int 0x80");
#endif
}
