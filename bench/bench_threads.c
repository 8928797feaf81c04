/* threads workload: 4 threads, each opening and closing a file many times, so
 * traced syscalls from several threads contend for one tracer.
 * Usage: bench_threads [OPENS_PER_THREAD] (default 3000). */
#include "compat.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>

#define BENCH_THREADS 4

static int opens_per_thread = 3000;

static void *bench_threads_worker(void *arg)
{
	const char *path = arg;

	for (int i = 0; i < opens_per_thread; i++) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return (void *)1;
		close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	static const char *paths[BENCH_THREADS] = { "/etc/hostname", "/etc/passwd", "/etc/hosts",
						    "/dev/null" };
	pthread_t th[BENCH_THREADS];
	int failed = 0;

	if (argc > 1)
		opens_per_thread = atoi(argv[1]);
	for (int i = 0; i < BENCH_THREADS; i++)
		if (pthread_create(&th[i], NULL, bench_threads_worker, (void *)paths[i]) != 0)
			return 1;
	for (int i = 0; i < BENCH_THREADS; i++) {
		void *ret;

		pthread_join(th[i], &ret);
		failed |= ret != NULL;
	}
	if (failed)
		fprintf(stderr, "bench_threads: an open failed\n");
	return failed;
}
