/* fchmod on an fd opened for reading: decided on the fd's file by the tracer, and under
 * the FUSE layer by the layer as well. Prints the outcome. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: prog_fuse_fchmod FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	if (fchmod(fd, 0600) < 0) {
		printf("fchmod: %s\n", errno == EACCES ? "EACCES" : strerror(errno));
		return 1;
	}
	printf("fchmod: OK\n");
	return 0;
}
