/*
 * DNS proxy overhead: the latency of one UDP query sent straight to a local
 * authoritative server vs. through the proxy (policy callback, c-ares
 * forward, table fill, event), as a ratio in the same run; and the cost of
 * the IP -> domain lookup the tracer makes at each connect().
 *
 *   bench_net [QUERIES]
 */
#include "compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

#include "net/net.h"
#include "policy/policy.h"

#define DNSD_NO_MAIN
#include "../tests/integration/prog_net_dnsd.c"

static struct dnsd server;
static volatile int server_stop;

static void *server_main(void *arg)
{
	dnsd_serve(&server, &server_stop);
	return NULL;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void allow_all(void *ctx, const char *domain, struct verdict *v)
{
	v->decision = v->effective = DECISION_ALLOW;
	v->rule = "allow";
}

static void drop_event(void *ctx, const char *json)
{
}

/* Mean microseconds per query of n A queries for bench.test to port. */
static double run_queries(int port, int n)
{
	static const uint8_t q[] = { 0xbe, 0xef, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'b', 'e', 'n',
				     'c',  'h',  4, 't', 'e', 's', 't', 0, 0, 1, 0, 1 };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	uint8_t r[512];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	double t0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	t0 = now_us();
	for (int i = 0; i < n; i++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (write(fd, q, sizeof(q)) < 0 || poll(&p, 1, 2000) != 1 || read(fd, r, sizeof(r)) < 12) {
			close(fd);
			return -1;
		}
	}
	close(fd);
	return (now_us() - t0) / n;
}

static double run_lookups(struct dnsproxy *d, int n)
{
	char dom[256];
	double t0 = now_us();
	int hits = 0;

	for (int i = 0; i < n; i++)
		hits += dnsproxy_domain_for_ip(d, i & 1 ? "127.0.0.42" : "10.9.9.9", dom, sizeof(dom)) != NULL;
	if (hits != n / 2)
		return -1;
	return (now_us() - t0) * 1000 / n;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 5000;
	char up[64];
	const char *ups[] = { up, NULL };
	struct dnsproxy *d;
	pthread_t th;

	if (dnsd_add(&server, "bench.test=127.0.0.42/300") < 0 || dnsd_init(&server, 0) < 0 ||
	    pthread_create(&th, NULL, server_main, NULL) != 0)
		return 1;
	snprintf(up, sizeof(up), "127.0.0.1:%d", server.port);
	struct dnsproxy_config cfg = { .upstreams = ups, .decide = allow_all, .on_event = drop_event };

	if (dnsproxy_start(&cfg, &d) < 0)
		return 1;
	run_queries(server.port, 200); /* warm up both paths */
	run_queries(dnsproxy_port(d), 200);
	double direct = run_queries(server.port, n);
	double proxied = run_queries(dnsproxy_port(d), n);
	double lookup_ns = run_lookups(d, 1000000);

	if (direct <= 0 || proxied <= 0 || lookup_ns < 0) {
		fprintf(stderr, "bench_net: a query or lookup failed\n");
		return 1;
	}
	printf("dns query, direct to upstream: %8.1f us\n", direct);
	printf("dns query, through the proxy:  %8.1f us  (ratio %.2fx, +%.1f us per query)\n",
	       proxied, proxied / direct, proxied - direct);
	printf("connect-time domain lookup:    %8.1f ns\n", lookup_ns);
	dnsproxy_stop(d);
	server_stop = 1;
	pthread_join(th, NULL);
	return 0;
}
