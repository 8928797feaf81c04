/*
 * net/dnsproxy: a real proxy in front of a real local authoritative server
 * (tests/integration/prog_net_dnsd.c, run in a thread), queried over UDP
 * and TCP from this process. The policy is a callback here (test_net_*
 * links only net/); the policy engine itself is exercised through agentsh
 * in tests/integration/test_net_dns.sh.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <cmocka.h>

#include "net/net.h"
#include "policy/policy.h"

#define DNSD_NO_MAIN
#include "../integration/prog_net_dnsd.c"

static struct dnsd server;
static volatile int server_stop;
static pthread_t server_thread;
static char events[64][1024];
static int nevents;
static pthread_mutex_t events_lock = PTHREAD_MUTEX_INITIALIZER;

static void *server_main(void *arg)
{
	dnsd_serve(&server, &server_stop);
	return NULL;
}

/* deny *.blocked.test and exactly evil.test, allow the rest */
static void test_decide(void *ctx, const char *domain, struct verdict *v)
{
	bool deny = fnmatch("*.blocked.test", domain, 0) == 0 || strcmp(domain, "evil.test") == 0;

	v->decision = v->effective = deny ? DECISION_DENY : DECISION_ALLOW;
	v->rule = deny ? "no-blocked" : "allow-rest";
	snprintf(v->message, sizeof(v->message), "%s", deny ? "blocked by test" : "");
}

static void test_event(void *ctx, const char *json)
{
	pthread_mutex_lock(&events_lock);
	if (nevents < 64)
		snprintf(events[nevents++], sizeof(events[0]), "%s", json);
	pthread_mutex_unlock(&events_lock);
}

static bool event_seen(const char *a, const char *b)
{
	bool found = false;

	pthread_mutex_lock(&events_lock);
	for (int i = 0; i < nevents && !found; i++)
		found = strstr(events[i], a) && (!b || strstr(events[i], b));
	pthread_mutex_unlock(&events_lock);
	return found;
}

static int group_setup(void **state)
{
	const char *recs[] = { "allowed.test=127.0.0.7",   "*.example.test=127.0.0.8",
			       "evil.test=127.0.0.9",	   "x.blocked.test=127.0.0.10",
			       "short.test=127.0.0.11/1",  "v6.test=fd00::1",
			       "redirected.test=127.0.0.12" };

	for (size_t i = 0; i < ARRAY_SIZE(recs); i++)
		assert_int_equal(dnsd_add(&server, recs[i]), 0);
	for (int i = 0; i < 40; i++) { /* > 512 bytes of answers: UDP gets TC */
		char spec[64];

		snprintf(spec, sizeof(spec), "big.test=10.0.0.%d", i + 1);
		assert_int_equal(dnsd_add(&server, spec), 0);
	}
	assert_int_equal(dnsd_init(&server, 0), 0);
	return pthread_create(&server_thread, NULL, server_main, NULL);
}

static int group_teardown(void **state)
{
	server_stop = 1;
	pthread_join(server_thread, NULL);
	return 0;
}

/* A proxy in front of the test server, with one dns_redirect. */
static struct dnsproxy *proxy_up(struct net_redirects **rd, bool exact, int rcode)
{
	char up[64];
	const char *ups[] = { up, NULL };
	struct net_dns_redirect_rule rule = { .name = "to-local",
					      .match = "redirected\\.test|.*\\.vertex\\.test",
					      .resolve_to = "127.0.0.99" };
	char err[256];
	struct dnsproxy *d = NULL;

	snprintf(up, sizeof(up), "127.0.0.1:%d", server.port);
	*rd = net_redirects_new();
	assert_int_equal(net_redirects_add_dns(*rd, &rule, err, sizeof(err)), 0);
	struct dnsproxy_config cfg = { .upstreams = ups,     .redirects = *rd,
				       .decide = test_decide, .on_event = test_event,
				       .ttl_exact = exact,    .deny_rcode = rcode,
				       .upstream_timeout_ms = 500 };

	assert_int_equal(dnsproxy_start(&cfg, &d), 0);
	assert_true(dnsproxy_port(d) > 0);
	return d;
}

static size_t query_build(uint8_t *q, const char *name, int qtype, uint16_t id)
{
	size_t o = 12;

	memset(q, 0, 12);
	q[0] = (uint8_t)(id >> 8), q[1] = (uint8_t)id, q[2] = 0x01, q[5] = 1;
	for (const char *p = name; *p;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		q[o++] = (uint8_t)n;
		memcpy(q + o, p, n);
		o += n;
		p += n + (dot ? 1 : 0);
	}
	q[o++] = 0;
	q[o++] = 0, q[o++] = (uint8_t)qtype, q[o++] = 0, q[o++] = 1;
	return o;
}

static int connect_proxy(struct dnsproxy *d, int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)dnsproxy_port(d)) };
	int fd = socket(AF_INET, type, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

/* Query over UDP (tcp false) or TCP; returns the reply length (0: none in 3 s). */
static size_t ask(struct dnsproxy *d, bool tcp, const char *name, int qtype, uint8_t *r,
		  size_t cap)
{
	uint8_t q[300];
	size_t n = query_build(q + 2, name, qtype, 0x4242);
	int fd = connect_proxy(d, tcp ? SOCK_STREAM : SOCK_DGRAM);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t got = 0;

	q[0] = (uint8_t)(n >> 8), q[1] = (uint8_t)n;
	assert_true(write(fd, tcp ? q : q + 2, tcp ? n + 2 : n) > 0);
	if (poll(&p, 1, 3000) == 1)
		got = read(fd, r, cap);
	if (tcp && got >= 2) {
		size_t want = ((size_t)r[0] << 8) | r[1];

		while ((size_t)got < want + 2 && poll(&p, 1, 3000) == 1) {
			ssize_t m = read(fd, r + got, cap - (size_t)got);

			if (m <= 0)
				break;
			got += m;
		}
		memmove(r, r + 2, (size_t)got - 2);
		got -= 2;
	}
	close(fd);
	return got > 0 ? (size_t)got : 0;
}

static int rcode(const uint8_t *r)
{
	return r[3] & 0xf;
}

static int ancount(const uint8_t *r)
{
	return (r[6] << 8) | r[7];
}

static void test_dnsproxy_allowed_name_resolves_and_fills_table(void **state)
{
	struct net_redirects *rd;
	struct dnsproxy *d = proxy_up(&rd, false, 0);
	uint8_t r[4096];
	char dom[256];
	size_t n = ask(d, false, "Allowed.Test", 1, r, sizeof(r));

	assert_true(n > 12);
	assert_int_equal(r[0], 0x42); /* the client's id came back */
	assert_int_equal(rcode(r), 0);
	assert_int_equal(ancount(r), 1);
	assert_memory_equal(r + n - 4, "\x7f\x00\x00\x07", 4);
	assert_non_null(dnsproxy_domain_for_ip(d, "127.0.0.7", dom, sizeof(dom)));
	assert_string_equal(dom, "allowed.test");
	assert_non_null(dnsproxy_domain_for_ip(d, "::ffff:127.0.0.7", dom, sizeof(dom)));
	assert_null(dnsproxy_domain_for_ip(d, "127.0.0.250", dom, sizeof(dom)));
	assert_true(event_seen("\"domain\":\"allowed.test\"", "\"rule\":\"allow-rest\""));
	dnsproxy_stop(d);
	net_redirects_free(rd);
}

static void test_dnsproxy_denied_name_gets_nxdomain_and_event(void **state)
{
	struct net_redirects *rd;
	struct dnsproxy *d = proxy_up(&rd, false, 0);
	uint8_t r[4096];
	char dom[256];
	int before = server.queries;

	assert_true(ask(d, false, "evil.test", 1, r, sizeof(r)) > 12);
	assert_int_equal(rcode(r), 3);
	assert_int_equal(ancount(r), 0);
	assert_true(ask(d, true, "x.blocked.test", 1, r, sizeof(r)) > 12);
	assert_int_equal(rcode(r), 3);
	assert_int_equal(server.queries, before); /* never reached the upstream */
	assert_null(dnsproxy_domain_for_ip(d, "127.0.0.9", dom, sizeof(dom)));
	assert_true(event_seen("\"domain\":\"evil.test\"", "\"decision\":\"deny\""));
	assert_true(event_seen("\"domain\":\"x.blocked.test\"", "\"rcode\":\"NXDOMAIN\""));
	dnsproxy_stop(d);
	net_redirects_free(rd);
}

static void test_dnsproxy_deny_rcode_refused(void **state)
{
	struct net_redirects *rd;
	struct dnsproxy *d = proxy_up(&rd, false, 5);
	uint8_t r[4096];

	assert_true(ask(d, false, "evil.test", 1, r, sizeof(r)) > 12);
	assert_int_equal(rcode(r), 5);
	dnsproxy_stop(d);
	net_redirects_free(rd);
}

static void test_dnsproxy_wildcard_and_aaaa_over_tcp(void **state)
{
	struct net_redirects *rd;
	struct dnsproxy *d = proxy_up(&rd, false, 0);
	uint8_t r[4096];
	char dom[256];
	size_t n = ask(d, true, "deep.sub.example.test", 1, r, sizeof(r));

	assert_true(n > 12);
	assert_int_equal(ancount(r), 1);
	assert_string_equal(dnsproxy_domain_for_ip(d, "127.0.0.8", dom, sizeof(dom)),
			    "deep.sub.example.test");
	n = ask(d, true, "v6.test", 28, r, sizeof(r));
	assert_int_equal(ancount(r), 1);
	assert_string_equal(dnsproxy_domain_for_ip(d, "fd00:0::1", dom, sizeof(dom)), "v6.test");
	assert_true(event_seen("\"domain\":\"v6.test\"", "\"transport\":\"tcp\""));
	dnsproxy_stop(d);
	net_redirects_free(rd);
}

static void test_dnsproxy_large_answer_truncated_on_udp_full_on_tcp(void **state)
{
	struct net_redirects *rd;
	struct dnsproxy *d = proxy_up(&rd, false, 0);
	uint8_t r[8192];
	size_t n = ask(d, false, "big.test", 1, r, sizeof(r));

	assert_true(n >= 12 && n <= 512);
	assert_true(r[2] & 0x02); /* TC */
	n = ask(d, true, "big.test", 1, r, sizeof(r));
	assert_int_equal(ancount(r), 40);
	assert_true(n > 512);
	dnsproxy_stop(d);
	net_redirects_free(rd);
}

static void test_dnsproxy_redirect_answers_resolve_to(void **state)
{
	struct net_redirects *rd;
	struct dnsproxy *d = proxy_up(&rd, false, 0);
	uint8_t r[4096];
	char dom[256];
	size_t n = ask(d, false, "api.vertex.test", 1, r, sizeof(r));

	assert_int_equal(rcode(r), 0);
	assert_int_equal(ancount(r), 1);
	assert_memory_equal(r + n - 4, "\x7f\x00\x00\x63", 4); /* 127.0.0.99 */
	assert_string_equal(dnsproxy_domain_for_ip(d, "127.0.0.99", dom, sizeof(dom)),
			    "api.vertex.test");
	assert_true(event_seen("\"type\":\"dns_redirect\"", "\"resolved_to\":\"127.0.0.99\""));
	/* AAAA for an IPv4 target: NODATA, so the real AAAA cannot bypass it */
	ask(d, false, "redirected.test", 28, r, sizeof(r));
	assert_int_equal(rcode(r), 0);
	assert_int_equal(ancount(r), 0);
	dnsproxy_stop(d);
	net_redirects_free(rd);
}

static void test_dnsproxy_table_entries_expire_with_ttl(void **state)
{
	struct net_redirects *rd;
	struct dnsproxy *d = proxy_up(&rd, true, 0);
	uint8_t r[4096];
	char dom[256];

	assert_true(ask(d, false, "short.test", 1, r, sizeof(r)) > 12); /* TTL 1 */
	assert_non_null(dnsproxy_domain_for_ip(d, "127.0.0.11", dom, sizeof(dom)));
	usleep(1300 * 1000);
	assert_null(dnsproxy_domain_for_ip(d, "127.0.0.11", dom, sizeof(dom)));
	assert_int_equal(dnsproxy_note(d, "127.0.0.11", "noted.test", 60), 0);
	assert_string_equal(dnsproxy_domain_for_ip(d, "127.0.0.11", dom, sizeof(dom)), "noted.test");
	dnsproxy_stop(d);
	net_redirects_free(rd);
}

static void test_dnsproxy_unreachable_upstream_servfail(void **state)
{
	const char *ups[] = { "127.0.0.1:1", NULL };
	struct dnsproxy_config cfg = { .upstreams = ups, .upstream_timeout_ms = 200 };
	struct dnsproxy *d = NULL;
	uint8_t r[512];

	assert_int_equal(dnsproxy_start(&cfg, &d), 0);
	assert_true(ask(d, false, "allowed.test", 1, r, sizeof(r)) >= 12);
	assert_int_equal(rcode(r), 2);
	dnsproxy_stop(d);
}

static void test_dnsproxy_garbage_is_dropped_and_proxy_survives(void **state)
{
	struct net_redirects *rd;
	struct dnsproxy *d = proxy_up(&rd, false, 0);
	uint8_t junk[64] = { 0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xc0, 0x0c };
	int fd = connect_proxy(d, SOCK_DGRAM);
	uint8_t r[512];

	assert_true(write(fd, junk, 16) == 16); /* self-pointing name */
	assert_true(write(fd, junk, 3) == 3);
	close(fd);
	assert_true(ask(d, false, "allowed.test", 1, r, sizeof(r)) > 12);
	assert_int_equal(rcode(r), 0);
	dnsproxy_stop(d);
	net_redirects_free(rd);
}

static void test_dnsproxy_rejects_bad_upstream(void **state)
{
	const char *ups[] = { "not-an-ip:53", NULL };
	struct dnsproxy_config cfg = { .upstreams = ups };
	struct dnsproxy *d = (struct dnsproxy *)1;

	assert_int_equal(dnsproxy_start(&cfg, &d), -EINVAL);
	assert_null(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dnsproxy_allowed_name_resolves_and_fills_table),
		cmocka_unit_test(test_dnsproxy_denied_name_gets_nxdomain_and_event),
		cmocka_unit_test(test_dnsproxy_deny_rcode_refused),
		cmocka_unit_test(test_dnsproxy_wildcard_and_aaaa_over_tcp),
		cmocka_unit_test(test_dnsproxy_large_answer_truncated_on_udp_full_on_tcp),
		cmocka_unit_test(test_dnsproxy_redirect_answers_resolve_to),
		cmocka_unit_test(test_dnsproxy_table_entries_expire_with_ttl),
		cmocka_unit_test(test_dnsproxy_unreachable_upstream_servfail),
		cmocka_unit_test(test_dnsproxy_garbage_is_dropped_and_proxy_survives),
		cmocka_unit_test(test_dnsproxy_rejects_bad_upstream),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
