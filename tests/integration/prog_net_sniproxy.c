/*
 * A one-connection TCP relay that rewrites the SNI of the first ClientHello
 * with net_tls_rewrite_sni(), as the tracer does for connect_redirects with
 * tls.mode rewrite_sni (compiled in from net/tls_sni.c: helper programs do
 * not link agentsh's libraries).
 *
 *   prog_net_sniproxy PORTFILE UPSTREAM_PORT NEW_SNI
 */
#include "../../net/tls_sni.c"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>

static int tcp_socket(int port, bool listening)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listening)
		return bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(fd, 1) == 0 ? fd : -1;
	return connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ? fd : -1;
}

static void relay(int a, int b)
{
	char buf[16384];

	for (;;) {
		struct pollfd p[2] = { { .fd = a, .events = POLLIN }, { .fd = b, .events = POLLIN } };

		if (poll(p, 2, 10000) <= 0)
			return;
		for (int i = 0; i < 2; i++) {
			if (!p[i].revents)
				continue;
			ssize_t n = read(p[i].fd, buf, sizeof(buf));

			if (n <= 0 || write(i ? a : b, buf, (size_t)n) != n)
				return;
		}
	}
}

int main(int argc, char **argv)
{
	static uint8_t in[20000], out[20000];
	size_t have = 0;
	char old[256] = "(none)";
	int lfd, c, up;
	ssize_t n;
	struct sockaddr_in a;
	socklen_t al = sizeof(a);

	if (argc != 4)
		return 2;
	lfd = tcp_socket(0, true);
	if (lfd < 0 || getsockname(lfd, (struct sockaddr *)&a, &al) < 0)
		return 1;
	FILE *f = fopen(argv[1], "w");

	if (!f)
		return 1;
	fprintf(f, "%d\n", ntohs(a.sin_port));
	fclose(f);
	c = accept(lfd, NULL, NULL);
	up = tcp_socket(atoi(argv[2]), false);
	if (c < 0 || up < 0)
		return 1;
	do { /* read until the ClientHello record is complete */
		n = read(c, in + have, sizeof(in) - have);
		if (n <= 0)
			return 1;
		have += (size_t)n;
		n = net_tls_rewrite_sni(in, have, argv[3], out, sizeof(out));
	} while (n == -EAGAIN);
	if (n < 0) {
		fprintf(stderr, "sniproxy: rewrite failed: %s\n", strerror((int)-n));
		return 1;
	}
	net_tls_client_hello_sni(in, have, old, sizeof(old));
	fprintf(stderr, "sniproxy: sni %s -> %s (%zu -> %zd bytes)\n", old, argv[3], have, n);
	if (write(up, out, (size_t)n) != n)
		return 1;
	relay(c, up);
	return 0;
}
