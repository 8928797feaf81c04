/* net/tls_ext.c: the ClientHello extension bodies the TLS proxy reads
 * (server_name, ALPN) and the host-name check for issued certificates. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <cmocka.h>

#include "net/tls_proxy.h"

/* server_name body for one host_name entry */
static size_t sni_body(uint8_t *b, const char *name)
{
	size_t n = strlen(name);

	b[0] = (uint8_t)((n + 3) >> 8);
	b[1] = (uint8_t)(n + 3);
	b[2] = 0;
	b[3] = (uint8_t)(n >> 8);
	b[4] = (uint8_t)n;
	memcpy(b + 5, name, n);
	return n + 5;
}

static void test_tls_ext_sni_reads_and_lowercases(void **state)
{
	uint8_t b[300];
	char out[256];
	size_t n = sni_body(b, "API.Example.TEST");

	(void)state;
	assert_int_equal(net_tls_ext_server_name(b, n, out, sizeof(out)), 0);
	assert_string_equal(out, "api.example.test");
	assert_int_equal(net_tls_ext_server_name(b, n, out, 5), -ENOSPC);
}

static void test_tls_ext_sni_rejects_malformed(void **state)
{
	uint8_t b[300];
	char out[256];
	size_t n = sni_body(b, "a.test");
	static const char *const bad[] = {
	    "a..test", ".a.test", "a.test.", "a b.test", "a,DNS:evil.test",
	    "*.test",  "-a.test", "a-.test", "a:1",	 ""};

	(void)state;
	/* every truncation is refused, never read past */
	for (size_t i = 0; i < n; i++)
		assert_true(net_tls_ext_server_name(b, i, out, sizeof(out)) < 0);
	b[1]++; /* list length beyond the body */
	assert_int_equal(net_tls_ext_server_name(b, n, out, sizeof(out)), -EINVAL);
	b[1]--;
	b[4] += 10; /* name length beyond the list */
	assert_int_equal(net_tls_ext_server_name(b, n, out, sizeof(out)), -EINVAL);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = sni_body(b, bad[i]);
		assert_int_equal(net_tls_ext_server_name(b, n, out, sizeof(out)), -EINVAL);
	}
	/* an entry of another type only: no host name */
	n = sni_body(b, "a.test");
	b[2] = 1;
	assert_int_equal(net_tls_ext_server_name(b, n, out, sizeof(out)), -ENOENT);
}

static void test_tls_ext_hostname_limits(void **state)
{
	char name[300];

	(void)state;
	memset(name, 'a', 63);
	memcpy(name + 63, ".test", 6);
	assert_true(net_tls_hostname_ok(name, strlen(name)));
	memset(name, 'a', 64);
	memcpy(name + 64, ".test", 6);
	assert_false(net_tls_hostname_ok(name, strlen(name)));
	for (int i = 0; i < 254; i++)
		name[i] = i % 2 ? '.' : 'a';
	assert_false(net_tls_hostname_ok(name, 254)); /* > 253 */
	assert_true(net_tls_hostname_ok(name, 253));
	assert_true(net_tls_hostname_ok("_acme.x-y.test", 14));
}

static void test_tls_ext_alpn(void **state)
{
	static const uint8_t ok[] = {0, 12, 2, 'h', '2', 8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
	static const uint8_t zero[] = {0, 3, 2, 'h', '2', 0};
	static const uint8_t over[] = {0, 3, 3, 'h', '2'};
	const uint8_t *list, *p;
	size_t len;

	(void)state;
	assert_int_equal(net_tls_ext_alpn(ok, sizeof(ok), &list, &len), 0);
	assert_int_equal(len, 12);
	assert_ptr_equal(list, ok + 2);
	p = net_tls_alpn_find(list, len, (const uint8_t *)"http/1.1", 8);
	assert_ptr_equal(p, ok + 6);
	assert_null(net_tls_alpn_find(list, len, (const uint8_t *)"http/1", 6));
	for (size_t i = 0; i < sizeof(ok); i++)
		assert_int_equal(net_tls_ext_alpn(ok, i, &list, &len), -EINVAL);
	assert_int_equal(net_tls_ext_alpn(zero, sizeof(zero), &list, &len), -EINVAL);
	assert_int_equal(net_tls_ext_alpn(over, sizeof(over), &list, &len), -EINVAL);
	assert_null(net_tls_alpn_find(over + 2, 3, (const uint8_t *)"h2", 2));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tls_ext_sni_reads_and_lowercases),
	    cmocka_unit_test(test_tls_ext_sni_rejects_malformed),
	    cmocka_unit_test(test_tls_ext_hostname_limits),
	    cmocka_unit_test(test_tls_ext_alpn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
