/* HMAC-SHA256/512 entry hashes (libsodium) and key loading. */
#include "compat.h"
#include "chain.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <sys/stat.h>

static const char *const alg_names[] = {
    [AUDIT_ALG_HMAC_SHA256] = "hmac-sha256",
    [AUDIT_ALG_HMAC_SHA512] = "hmac-sha512",
};

int audit_alg_parse(const char *name, enum audit_alg *out)
{
	if (!name || !*name) {
		*out = AUDIT_ALG_HMAC_SHA256;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(alg_names); i++)
		if (strcmp(name, alg_names[i]) == 0) {
			*out = (enum audit_alg)i;
			return 0;
		}
	return -EINVAL;
}

const char *audit_alg_name(enum audit_alg alg)
{
	return (size_t)alg < ARRAY_SIZE(alg_names) ? alg_names[alg] : "unknown";
}

static void hmac_update_parts(void *st, enum audit_alg alg, const char *const *parts,
			      const size_t *lens, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const unsigned char *p = (const unsigned char *)parts[i];

		if (alg == AUDIT_ALG_HMAC_SHA512)
			crypto_auth_hmacsha512_update(st, p, lens[i]);
		else
			crypto_auth_hmacsha256_update(st, p, lens[i]);
	}
}

int chain_entry_hash(const struct audit_key *key, enum audit_alg alg, int format_version,
		     int64_t sequence, const char *prev_hash, size_t prev_len, const char *payload,
		     size_t payload_len, char hex[CHAIN_HASH_MAX])
{
	char head[64];
	unsigned char mac[crypto_auth_hmacsha512_BYTES];
	crypto_auth_hmacsha512_state s512;
	crypto_auth_hmacsha256_state s256;
	int hn = snprintf(head, sizeof(head), "%d|%" PRId64 "|", format_version, sequence);
	const char *parts[] = {head, prev_hash, "|", payload};
	size_t lens[] = {(size_t)hn, prev_len, 1, payload_len};
	size_t maclen;

	if (sodium_init() < 0)
		return -EIO;
	if (alg == AUDIT_ALG_HMAC_SHA512) {
		crypto_auth_hmacsha512_init(&s512, key->bytes, key->len);
		hmac_update_parts(&s512, alg, parts, lens, ARRAY_SIZE(parts));
		crypto_auth_hmacsha512_final(&s512, mac);
		maclen = crypto_auth_hmacsha512_BYTES;
	} else {
		crypto_auth_hmacsha256_init(&s256, key->bytes, key->len);
		hmac_update_parts(&s256, alg, parts, lens, ARRAY_SIZE(parts));
		crypto_auth_hmacsha256_final(&s256, mac);
		maclen = crypto_auth_hmacsha256_BYTES;
	}
	sodium_bin2hex(hex, CHAIN_HASH_MAX, mac, maclen);
	sodium_memzero(&s512, sizeof(s512));
	sodium_memzero(&s256, sizeof(s256));
	return 0;
}

bool chain_hash_equal(const char *a, const char *b, size_t blen)
{
	size_t alen = strlen(a);

	return alen == blen && sodium_memcmp(a, b, alen) == 0;
}

void chain_key_fingerprint(const struct audit_key *key, char out[7 + 33])
{
	unsigned char sum[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(sum, key->bytes, key->len);
	memcpy(out, "sha256:", 7);
	sodium_bin2hex(out + 7, 33, sum, 16);
}

static int key_set(struct audit_key *out, const char *s, size_t n)
{
	if (n == 0)
		return -EINVAL;
	if (n < AUDIT_MIN_KEY_LEN)
		return -EKEYREJECTED;
	out->bytes = sodium_malloc(n);
	if (!out->bytes)
		return -ENOMEM;
	memcpy(out->bytes, s, n);
	out->len = n;
	return 0;
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Reads at most 64 KiB of key text into buf. */
static int key_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	while (n < cap) {
		ssize_t r = read(fd, buf + n, cap - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n == cap)
		return -EFBIG;
	*len = n;
	return 0;
}

int audit_key_load(const char *key_file, const char *key_env, struct audit_key *out)
{
	const size_t cap = 64 << 10;
	char *buf;
	size_t n = 0, start = 0;
	const char *env;
	int r;

	memset(out, 0, sizeof(*out));
	if (sodium_init() < 0)
		return -EIO;
	if (!key_file || !*key_file) {
		env = key_env && *key_env ? getenv(key_env) : NULL;
		if (!key_env || !*key_env || !env)
			return -EINVAL;
		return key_set(out, env, strlen(env));
	}
	buf = sodium_malloc(cap);
	if (!buf)
		return -ENOMEM;
	r = key_read_file(key_file, buf, cap, &n);
	while (r == 0 && n > 0 && is_space((unsigned char)buf[n - 1]))
		n--;
	while (r == 0 && start < n && is_space((unsigned char)buf[start]))
		start++;
	if (r == 0)
		r = key_set(out, buf + start, n - start);
	sodium_free(buf);
	return r;
}

void audit_key_release(struct audit_key *key)
{
	if (key->bytes)
		sodium_free(key->bytes);
	key->bytes = NULL;
	key->len = 0;
}
