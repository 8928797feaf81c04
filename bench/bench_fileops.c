/* fileops workload: many small file operations in a scratch directory, the
 * kind a build or an agent's edit loop makes. Each round: open-create, write,
 * close, stat, reopen for reading, unlink; every 10th round also mkdir, rename
 * and rmdir. Usage: bench_fileops DIR [ROUNDS] (default 3000). */
#include "compat.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

static int bench_fileops_file(const char *dir, int i)
{
	char path[PATH_MAX];
	struct stat st;
	int fd;

	snprintf(path, sizeof(path), "%s/f%d.txt", dir, i);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, "hello agentsh\n", 14) != 14)
		return -errno;
	close(fd);
	if (stat(path, &st) < 0 || st.st_size != 14)
		return -EIO;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	close(fd);
	return unlink(path) < 0 ? -errno : 0;
}

static int bench_fileops_dir(const char *dir, int i)
{
	char a[PATH_MAX], b[PATH_MAX];

	snprintf(a, sizeof(a), "%s/d%d", dir, i);
	snprintf(b, sizeof(b), "%s/e%d", dir, i);
	if (mkdir(a, 0755) < 0 || rename(a, b) < 0 || rmdir(b) < 0)
		return -errno;
	return 0;
}

int main(int argc, char **argv)
{
	int rounds = argc > 2 ? atoi(argv[2]) : 3000;

	if (argc < 2) {
		fprintf(stderr, "usage: %s DIR [ROUNDS]\n", argv[0]);
		return 2;
	}
	for (int i = 0; i < rounds; i++) {
		int r = bench_fileops_file(argv[1], i);

		if (r == 0 && i % 10 == 0)
			r = bench_fileops_dir(argv[1], i);
		if (r < 0) {
			fprintf(stderr, "bench_fileops: round %d: %s\n", i, strerror(-r));
			return 1;
		}
	}
	return 0;
}
