/* Opens files from every thread: N threads, each creating and reopening its own
 * files under DIR by absolute path and by a dirfd-relative path. Used by the
 * oracle test to check that every thread's opens are observed. */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define NTHREADS 8
#define NFILES 20

static const char *dir;
static int dirfd_shared;

static void *worker(void *arg)
{
	long id = (long)arg;
	char path[PATH_MAX];

	for (int i = 0; i < NFILES; i++) {
		snprintf(path, sizeof(path), "%s/t%ld_%d", dir, id, i);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0)
			close(fd);
		snprintf(path, sizeof(path), "t%ld_%d", id, i);
		fd = openat(dirfd_shared, path, O_RDONLY);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[NTHREADS];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	dir = argv[1];
	dirfd_shared = open(dir, O_RDONLY | O_DIRECTORY);
	if (dirfd_shared < 0) {
		perror("open dir");
		return 1;
	}
	for (long i = 0; i < NTHREADS; i++)
		if (pthread_create(&th[i], NULL, worker, (void *)i) != 0)
			return 1;
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	return 0;
}
