/* i386 syscalls via `int $0x80` from a 64-bit process: getpid (20), open (5)
 * and close (6) with the path in 32-bit-addressable memory, then execve (11).
 * Exits 77 when this kernel has no ia32 emulation (int 0x80 faults). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static long prog_int80(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return r;
}

static int prog_int80_works(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0)
		_exit(prog_int80(20, 0, 0, 0) > 0 ? 0 : 1);
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return 0;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/etc/hostname";
	char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
			 -1, 0);
	unsigned int *argv32;

	if (!prog_int80_works()) {
		printf("int 0x80 is not supported by this kernel\n");
		return 77;
	}
	if (low == MAP_FAILED || strlen(path) > 1000)
		return 1;
	snprintf(low, 1024, "%s", path);
	long fd = prog_int80(5, (long)low, 0 /* O_RDONLY */, 0);
	if (fd >= 0)
		prog_int80(6, fd, 0, 0);
	snprintf(low + 1024, 1024, "%s", "/bin/true");
	argv32 = (unsigned int *)(low + 2048);
	argv32[0] = (unsigned int)(unsigned long)(low + 1024);
	argv32[1] = 0;
	prog_int80(11, (long)(low + 1024), (long)argv32, (long)(argv32 + 1));
	return 1; /* execve failed */
}
