/*
 * Calls by number, for test_syscall_numbers.sh: prints "NR errno-name" for
 * each argument (a number, decimal or 0x hex), the call made with
 * arguments (-1, 0, 0, 0, 0, 0), which every call here refuses (EBADF,
 * EFAULT, EINVAL) or does not know (ENOSYS).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case 0: return "ok";
	case ENOSYS: return "ENOSYS";
	case EBADF: return "EBADF";
	case EFAULT: return "EFAULT";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOENT: return "ENOENT";
	default: return strerror(e);
	}
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		long nr = strtol(argv[i], NULL, 0);
		long r;

		errno = 0;
		r = syscall(nr, -1L, 0L, 0L, 0L, 0L, 0L);
		printf("%s %s\n", argv[i], errname(r < 0 ? errno : 0));
	}
	return 0;
}
