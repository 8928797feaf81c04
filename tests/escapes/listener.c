/*
 * Fixture of the network escapes, started by run.sh outside agentsh:
 *   escape_listener ADDR ABSTRACT_NAME
 * serves on ADDR:P (P chosen by the kernel, the same number for both) a TCP
 * banner and a UDP echo, and on the abstract unix name a stream banner.
 * Prints P on stdout once everything is bound; runs until killed, its
 * parent dies, or 200 s pass.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/un.h>

#define BANNER "ESC-BANNER\n"

static int listener_bind_pair(const char *addr, int *tcp, int *udp)
{
	for (int tries = 0; tries < 50; tries++) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);
		int one = 1;
		if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
			return -EINVAL;
		*tcp = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(*tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(*tcp, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(*tcp, 64) < 0)
			return -errno;
		getsockname(*tcp, (struct sockaddr *)&sin, &len);
		*udp = socket(AF_INET, SOCK_DGRAM, 0);
		if (bind(*udp, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			return ntohs(sin.sin_port);
		close(*tcp);
		close(*udp);
	}
	return -EADDRINUSE;
}

static int listener_unix(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (n + 1 > sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	memcpy(sun.sun_path + 1, name, n);
	if (bind(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0 ||
	    listen(fd, 64) < 0)
		return -errno;
	return fd;
}

static void listener_udp_echo(int udp)
{
	char buf[2048];
	struct sockaddr_storage from;
	socklen_t len = sizeof(from);
	ssize_t n = recvfrom(udp, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
	if (n < 0)
		return;
	/* Echo prefixed with the banner so clients can tell us from a loopback. */
	char out[2048 + sizeof(BANNER)];
	memcpy(out, BANNER, sizeof(BANNER) - 1);
	size_t m = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf);
	memcpy(out + sizeof(BANNER) - 1, buf, m);
	sendto(udp, out, sizeof(BANNER) - 1 + m, 0, (struct sockaddr *)&from, len);
}

static void listener_accept_banner(int fd)
{
	int c = accept(fd, NULL, NULL);
	if (c < 0)
		return;
	if (write(c, BANNER, sizeof(BANNER) - 1) < 0)
		perror("write");
	close(c);
}

int main(int argc, char **argv)
{
	int tcp = -1, udp = -1;
	if (argc != 3) {
		fprintf(stderr, "usage: escape_listener ADDR ABSTRACT_NAME\n");
		return 2;
	}
	/* Never outlive the test: die with run.sh, and after 200 s regardless. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return 2;
	alarm(200);
	int port = listener_bind_pair(argv[1], &tcp, &udp);
	int ux = listener_unix(argv[2]);
	if (port < 0 || ux < 0) {
		fprintf(stderr, "escape_listener: bind: %s\n", strerror(port < 0 ? -port : -ux));
		return 2;
	}
	printf("%d\n", port);
	fflush(stdout);
	struct pollfd p[3] = { { tcp, POLLIN, 0 }, { udp, POLLIN, 0 }, { ux, POLLIN, 0 } };
	for (;;) {
		if (poll(p, 3, -1) < 0 && errno != EINTR)
			return 1;
		if (p[0].revents)
			listener_accept_banner(tcp);
		if (p[1].revents)
			listener_udp_echo(udp);
		if (p[2].revents)
			listener_accept_banner(ux);
	}
}
