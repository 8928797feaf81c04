/* Runs a command and reports its wall time and the CPU time (user + system)
 * of its whole process tree, tracer included when the command is a tracer:
 * wait4() returns the child's usage plus that of every descendant it reaped.
 * Usage: bench_run OUTFILE CMD ARGS...; writes "wall_us cpu_us status" to
 * OUTFILE (status: exit code, or 128+N on death by signal N) and exits with
 * the command's status. */
#include "compat.h"

#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

static long long bench_run_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static long long bench_run_tv_us(struct timeval tv)
{
	return tv.tv_sec * 1000000LL + tv.tv_usec;
}

int main(int argc, char **argv)
{
	struct rusage ru;
	long long start;
	int status, rc;
	FILE *out;
	pid_t pid;

	if (argc < 3) {
		fprintf(stderr, "usage: %s OUTFILE CMD ARGS...\n", argv[0]);
		return 2;
	}
	start = bench_run_now_us();
	pid = fork();
	if (pid == 0) {
		execvp(argv[2], argv + 2);
		fprintf(stderr, "bench_run: exec %s: %s\n", argv[2], strerror(errno));
		_exit(127);
	}
	if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
		perror("bench_run");
		return 2;
	}
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	out = fopen(argv[1], "w");
	if (!out) {
		perror(argv[1]);
		return 2;
	}
	fprintf(out, "%lld %lld %d\n", bench_run_now_us() - start,
		bench_run_tv_us(ru.ru_utime) + bench_run_tv_us(ru.ru_stime), rc);
	fclose(out);
	return rc;
}
