/* Micro benchmark: nanoseconds per untraced syscall (getpid) and per traced
 * one (openat of /dev/null + close, minus the close measured alone), each
 * measured for about MS milliseconds. Prints "getpid_ns N", "close_ns N" and
 * "openat_ns N". Usage: bench_micro [MS] (default 300). */
#include "compat.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>

static double bench_micro_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void bench_micro_getpid(void)
{
	syscall(SYS_getpid);
}

static void bench_micro_close(void)
{
	close(-1); /* EBADF: a cheap untraced syscall with the same shape as close(fd) */
}

static void bench_micro_openat(void)
{
	int fd = syscall(SYS_openat, AT_FDCWD, "/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
}

/* Calls fn in batches until ms have passed; returns ns per call. */
static double bench_micro_run(void (*fn)(void), double ms)
{
	double start = bench_micro_now(), end = start + ms * 1e6, now;
	long n = 0;

	do {
		for (int i = 0; i < 64; i++)
			fn();
		n += 64;
		now = bench_micro_now();
	} while (now < end);
	return (now - start) / n;
}

int main(int argc, char **argv)
{
	double ms = argc > 1 ? atof(argv[1]) : 300;
	double close_ns;

	bench_micro_run(bench_micro_getpid, ms / 10); /* warm up */
	printf("getpid_ns %.0f\n", bench_micro_run(bench_micro_getpid, ms));
	close_ns = bench_micro_run(bench_micro_close, ms);
	printf("close_ns %.0f\n", close_ns);
	printf("openat_ns %.0f\n", bench_micro_run(bench_micro_openat, ms) - close_ns);
	return 0;
}
