/* net/sockaddr.c and net/redirects.c: address text forms, dns_redirects and
 * connect_redirects compilation and first-match-wins matching. */
#include "compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include "net/net.h"

static void test_sockaddr_mapped_ipv6_reported_as_ipv4(void **state)
{
	struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	char ip[64];
	int port = 0;

	inet_pton(AF_INET6, "::ffff:10.1.2.3", &a.sin6_addr);
	assert_int_equal(net_sockaddr_format((struct sockaddr *)&a, sizeof(a), ip, sizeof(ip), &port), 0);
	assert_string_equal(ip, "10.1.2.3");
	assert_int_equal(port, 443);
	inet_pton(AF_INET6, "2001:DB8::1", &a.sin6_addr);
	assert_int_equal(net_sockaddr_format((struct sockaddr *)&a, sizeof(a), ip, sizeof(ip), &port), 0);
	assert_string_equal(ip, "2001:db8::1");
	/* short length from a tracee: refused, not read past */
	assert_int_equal(net_sockaddr_format((struct sockaddr *)&a, 8, ip, sizeof(ip), &port), -EINVAL);
	struct sockaddr_un_like { sa_family_t f; char p[8]; } u = { AF_UNIX, "x" };
	assert_int_equal(net_sockaddr_format((struct sockaddr *)&u, sizeof(u), ip, sizeof(ip), &port),
			 -EAFNOSUPPORT);
}

static void test_sockaddr_parse_forms(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char ip[64];
	int port;

	assert_int_equal(net_sockaddr_parse("127.0.0.1:9053", 0, &ss, &len), 0);
	assert_int_equal(net_sockaddr_format((struct sockaddr *)&ss, len, ip, sizeof(ip), &port), 0);
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(port, 9053);
	assert_int_equal(net_sockaddr_parse("[::1]:53", 0, &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(net_sockaddr_parse("::1", 53, &ss, &len), 0);
	assert_int_equal(net_sockaddr_parse("10.0.0.1", 53, &ss, &len), 0);
	assert_true(net_sockaddr_is_dns((struct sockaddr *)&ss, len));
	assert_int_equal(net_sockaddr_parse("host.test:53", 0, &ss, &len), -EINVAL);
	assert_int_equal(net_sockaddr_parse("1.2.3.4:70000", 0, &ss, &len), -EINVAL);
	assert_int_equal(net_sockaddr_parse("[::1]x", 0, &ss, &len), -EINVAL);
	assert_int_equal(net_ip_normalize("::FFFF:1.2.3.4", ip, sizeof(ip)), 0);
	assert_string_equal(ip, "1.2.3.4");
}

static void test_sockaddr_retarget_keeps_family(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char ip[64];
	int port;

	/* an AF_INET6 socket asking 8.8.8.8:53 is pointed at the proxy, mapped */
	assert_int_equal(net_sockaddr_parse("[2001:db8::53]:53", 0, &ss, &len), 0);
	assert_int_equal(net_sockaddr_retarget(&ss, &len, "127.0.0.1", 9053), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(net_sockaddr_format((struct sockaddr *)&ss, len, ip, sizeof(ip), &port), 0);
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(port, 9053);
	assert_int_equal(net_sockaddr_parse("8.8.8.8:53", 0, &ss, &len), 0);
	assert_int_equal(net_sockaddr_retarget(&ss, &len, "127.0.0.1", 9053), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(net_sockaddr_retarget(&ss, &len, "::1", 9053), -EINVAL);
}

static void test_dns_redirect_full_match_first_wins(void **state)
{
	struct net_redirects *r = net_redirects_new();
	struct net_dns_redirect m;
	char err[256];
	const struct net_dns_redirect_rule a = { .name = "anthropic", .match = ".*\\.anthropic\\.com",
						 .resolve_to = "10.0.0.50", .visibility = "warn" };
	const struct net_dns_redirect_rule b = { .name = "all", .match = ".*",
						 .resolve_to = "::1", .on_failure = "retry_original" };

	assert_int_equal(net_redirects_add_dns(r, &a, err, sizeof(err)), 0);
	assert_int_equal(net_redirects_add_dns(r, &b, err, sizeof(err)), 0);
	assert_true(net_dns_redirect_match(r, "API.Anthropic.com.", &m));
	assert_string_equal(m.rule, "anthropic");
	assert_string_equal(m.resolve_to, "10.0.0.50");
	assert_int_equal(m.family, AF_INET);
	assert_int_equal(m.visibility, NET_VIS_WARN);
	/* full-string: a suffix match is not enough */
	assert_true(net_dns_redirect_match(r, "api.anthropic.com.evil.test", &m));
	assert_string_equal(m.rule, "all");
	assert_int_equal(m.on_failure, NET_FAIL_RETRY_ORIGINAL);
	assert_int_equal(m.family, AF_INET6);
	net_redirects_free(r);
}

static void test_dns_redirect_invalid_rules_refused(void **state)
{
	struct net_redirects *r = net_redirects_new();
	char err[256];
	struct net_dns_redirect_rule bad = { .name = "x", .match = "(", .resolve_to = "1.2.3.4" };

	assert_int_equal(net_redirects_add_dns(r, &bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dns_redirects[x]: match"));
	bad.match = "a";
	bad.resolve_to = "not-an-ip";
	assert_int_equal(net_redirects_add_dns(r, &bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "resolve_to"));
	bad.resolve_to = "1.2.3.4";
	bad.visibility = "loud";
	assert_int_equal(net_redirects_add_dns(r, &bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "visibility"));
	net_redirects_free(r);
}

static void test_connect_redirect_host_port_and_host_only(void **state)
{
	struct net_redirects *r = net_redirects_new();
	struct net_connect_redirect m;
	char err[256], ip[64];
	int port;
	const struct net_connect_redirect_rule tcp = {
		.name = "vertex", .match = "api\\.anthropic\\.com:443", .redirect_to = "127.0.0.1:8443",
		.tls_mode = "rewrite_sni", .tls_sni = "vertex.test", .message = "routed"
	};
	const struct net_connect_redirect_rule sock = { .name = "db", .match = "db\\.internal",
							.redirect_to_unix = "/tmp/db.sock" };

	assert_int_equal(net_redirects_add_connect(r, &tcp, err, sizeof(err)), 0);
	assert_int_equal(net_redirects_add_connect(r, &sock, err, sizeof(err)), 0);
	assert_true(net_connect_redirect_match(r, "API.anthropic.com", 443, &m));
	assert_string_equal(m.rule, "vertex");
	assert_int_equal(m.tls_mode, NET_TLS_REWRITE_SNI);
	assert_string_equal(m.sni, "vertex.test");
	assert_string_equal(m.message, "routed");
	assert_int_equal(net_sockaddr_format((struct sockaddr *)&m.addr, m.addrlen, ip, sizeof(ip), &port), 0);
	assert_string_equal(ip, "127.0.0.1");
	assert_int_equal(port, 8443);
	assert_false(net_connect_redirect_match(r, "api.anthropic.com", 80, &m));
	assert_true(net_connect_redirect_match(r, "db.internal", 5432, &m)); /* host, any port */
	assert_string_equal(m.redirect_to_unix, "/tmp/db.sock");
	assert_int_equal(m.addrlen, 0);
	net_redirects_free(r);
}

static void test_connect_redirect_invalid_rules_refused(void **state)
{
	struct net_redirects *r = net_redirects_new();
	char err[256];
	struct net_connect_redirect_rule bad = { .name = "x", .match = "a:1" };

	assert_int_equal(net_redirects_add_connect(r, &bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "exactly one"));
	bad.redirect_to = "127.0.0.1:1";
	bad.tls_mode = "rewrite_sni";
	assert_int_equal(net_redirects_add_connect(r, &bad, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tls.sni"));
	bad.tls_mode = "mitm";
	assert_int_equal(net_redirects_add_connect(r, &bad, err, sizeof(err)), -EINVAL);
	bad.tls_mode = NULL;
	bad.redirect_to = "127.0.0.1";
	assert_int_equal(net_redirects_add_connect(r, &bad, err, sizeof(err)), -EINVAL);
	net_redirects_free(r);
	net_redirects_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockaddr_mapped_ipv6_reported_as_ipv4),
		cmocka_unit_test(test_sockaddr_parse_forms),
		cmocka_unit_test(test_sockaddr_retarget_keeps_family),
		cmocka_unit_test(test_dns_redirect_full_match_first_wins),
		cmocka_unit_test(test_dns_redirect_invalid_rules_refused),
		cmocka_unit_test(test_connect_redirect_host_port_and_host_only),
		cmocka_unit_test(test_connect_redirect_invalid_rules_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
