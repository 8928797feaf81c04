/*
 * prog_landlock_net connect|bind PORT: one TCP connect to (or bind on) 127.0.0.1:PORT.
 * Prints "ok" or the errno name (EACCES = Landlock said no, ECONNREFUSED = allowed, nobody
 * listening) and exits 0; anything else exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *errname(int e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EADDRINUSE: return "EADDRINUSE";
	default: return strerror(e);
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, r;

	if (argc != 3)
		return 2;
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return 1;
	if (strcmp(argv[1], "connect") == 0)
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	else if (strcmp(argv[1], "bind") == 0)
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	else
		return 2;
	puts(r == 0 ? "ok" : errname(errno));
	close(fd);
	return 0;
}
