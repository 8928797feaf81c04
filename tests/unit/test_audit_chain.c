/* Entry hashes and key loading (vectors computed independently with python3 hmac). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "audit/chain.h"

static unsigned char key32[] = "0123456789abcdef0123456789abcdef";

static void expect_hash(enum audit_alg alg, int64_t seq, const char *prev, const char *payload,
			const char *want)
{
	struct audit_key k = {.bytes = key32, .len = 32};
	char hex[CHAIN_HASH_MAX];

	assert_int_equal(
	    chain_entry_hash(&k, alg, 2, seq, prev, strlen(prev), payload, strlen(payload), hex),
	    0);
	assert_string_equal(hex, want);
	assert_true(chain_hash_equal(hex, want, strlen(want)));
}

static void test_entry_hash_vectors(void **state)
{
	expect_hash(AUDIT_ALG_HMAC_SHA256, 0, "", "{\"a\":1}",
		    "7fb207b885b1971b5d120a723c617d5a191b8b8f05f63716fd53878e4bd1108b");
	expect_hash(AUDIT_ALG_HMAC_SHA256, 7, "abc", "{\"b\":\"x\"}",
		    "ee0b815ce89a599cf5cc683224020ec352a81b59af2d48159842035084160328");
	expect_hash(AUDIT_ALG_HMAC_SHA512, 0, "", "{\"a\":1}",
		    "6f10e86569aef4dfe1a444c917901634d0cfedc81019b560367e6be62efbdf43"
		    "cc5d0a662fe3e4f8a68b23b8e284eda7e68831d3cdcb906b45b06941b1438bb5");
	expect_hash(AUDIT_ALG_HMAC_SHA512, 7, "abc", "{\"b\":\"x\"}",
		    "cf62db41fe7ce2f08baa7f9fd743522e2e0a479134558903c872bd0898eacc6e"
		    "12db2a16f0bd24cc4cd7e2f0b1143b95d3aad178150397accdde7b37b26d3327");
}

static void test_key_longer_than_block_is_hashed_like_hmac(void **state)
{
	unsigned char big[200];
	struct audit_key k = {.bytes = big, .len = sizeof(big)};
	char hex[CHAIN_HASH_MAX];

	memset(big, 'K', sizeof(big));
	assert_int_equal(chain_entry_hash(&k, AUDIT_ALG_HMAC_SHA256, 2, 1, "p", 1, "{}", 2, hex),
			 0);
	assert_string_equal(hex,
			    "a8ef16eac54fc8cdf6f66e6c84ce4bd971f058bb27cab46a60ab94e667990ac5");
}

static void test_hash_equal_rejects_prefix_and_case(void **state)
{
	assert_false(chain_hash_equal("abcd", "abc", 3));
	assert_false(chain_hash_equal("abcd", "ABCD", 4));
	assert_true(chain_hash_equal("abcd", "abcd", 4));
}

static void test_fingerprint(void **state)
{
	struct audit_key k = {.bytes = key32, .len = 32};
	char fp[40];

	chain_key_fingerprint(&k, fp);
	assert_string_equal(fp, "sha256:3eb1bd439947eb762998e566ccc2e099");
}

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/test_audit_key.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void test_key_file_is_trimmed_raw_text(void **state)
{
	char *path = write_temp("  \n0123456789abcdef0123456789abcdef\r\n\n");
	struct audit_key k;

	assert_int_equal(audit_key_load(path, NULL, &k), 0);
	assert_int_equal(k.len, 32);
	assert_memory_equal(k.bytes, key32, 32);
	audit_key_release(&k);
	assert_null(k.bytes);
	unlink(path);
	free(path);
}

static void test_short_or_missing_keys_rejected(void **state)
{
	char *shortk = write_temp("0123456789abcdef0123456789abcde\n"), *empty = write_temp(" \n");
	struct audit_key k;

	assert_int_equal(audit_key_load(shortk, NULL, &k), -EKEYREJECTED);
	assert_int_equal(audit_key_load(empty, NULL, &k), -EINVAL);
	assert_int_equal(audit_key_load("/nonexistent/key", NULL, &k), -ENOENT);
	assert_int_equal(audit_key_load(NULL, NULL, &k), -EINVAL);
	unsetenv("TEST_AUDIT_KEY_UNSET");
	assert_int_equal(audit_key_load(NULL, "TEST_AUDIT_KEY_UNSET", &k), -EINVAL);
	unlink(shortk);
	unlink(empty);
	free(shortk);
	free(empty);
}

static void test_env_key_used_as_is(void **state)
{
	struct audit_key k;

	setenv("TEST_AUDIT_KEY", " 0123456789abcdef0123456789abcdef", 1);
	assert_int_equal(audit_key_load(NULL, "TEST_AUDIT_KEY", &k), 0);
	assert_int_equal(k.len, 33);
	audit_key_release(&k);
}

static void test_algorithm_names(void **state)
{
	enum audit_alg a;

	assert_int_equal(audit_alg_parse("hmac-sha512", &a), 0);
	assert_int_equal(a, AUDIT_ALG_HMAC_SHA512);
	assert_int_equal(audit_alg_parse(NULL, &a), 0);
	assert_int_equal(a, AUDIT_ALG_HMAC_SHA256);
	assert_int_equal(audit_alg_parse("sha256", &a), -EINVAL);
	assert_string_equal(audit_alg_name(AUDIT_ALG_HMAC_SHA512), "hmac-sha512");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_entry_hash_vectors),
	    cmocka_unit_test(test_key_longer_than_block_is_hashed_like_hmac),
	    cmocka_unit_test(test_hash_equal_rejects_prefix_and_case),
	    cmocka_unit_test(test_fingerprint),
	    cmocka_unit_test(test_key_file_is_trimmed_raw_text),
	    cmocka_unit_test(test_short_or_missing_keys_rejected),
	    cmocka_unit_test(test_env_key_used_as_is),
	    cmocka_unit_test(test_algorithm_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
