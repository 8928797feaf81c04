/*
 * Policy signing (Ed25519, libsodium) and the SHA-256 manifest check.
 *
 * Key files are JSON as the reference writes them: private.key.json (0600)
 * {key_id, algorithm, private_key, label, created_at} and public.key.json
 * {key_id, algorithm, public_key, label, trusted_since[, expires_at]}; the
 * key_id is the hex SHA-256 of the public key. A detached FILE.sig is
 * {version 1, algorithm, key_id, signature, signed_at[, signer]} over the
 * file's exact bytes.
 */
#include "compat.h"
#include "policy.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#define KEY_FILE_MAX (64u << 10)
#define SIGNED_FILE_MAX (64u << 20)

static int errf(char *err, size_t errlen, int r, const char *fmt, ...) PRINTF_LIKE(4, 5);
static int errf(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

static int read_all(const char *path, size_t max, unsigned char **out, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t got = 0;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((size_t)st.st_size > max)
		return -EFBIG;
	if (!(*out = malloc((size_t)st.st_size + 1)))
		return -ENOMEM;
	while (got < (size_t)st.st_size && (n = read(fd, *out + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	(*out)[got] = 0;
	*len = got;
	return 0;
}

/* Writes data to path atomically (temp file + rename) with the given mode. */
static int write_file(const char *path, const char *data, mode_t mode)
{
	char tmp[4200];
	size_t len = strlen(data), off = 0;
	int fd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n <= 0) {
			int e = -errno;

			close(fd);
			unlink(tmp);
			return e ? e : -EIO;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, mode) < 0 || fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		int e = -errno;

		unlink(tmp);
		return e;
	}
	return 0;
}

static void now_rfc3339(char buf[32])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* RFC 3339 ("2026-01-02T15:04:05Z", fractions, "+02:00") -> epoch seconds. */
int policy_parse_rfc3339(const char *s, time_t *out)
{
	struct tm tm = {0};
	const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	long off = 0;

	if (!p)
		return -EINVAL;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
		off = ((p[1] - '0') * 10 + (p[2] - '0')) * 3600 +
		      ((p[4] - '0') * 10 + (p[5] - '0')) * 60;
		off = *p == '-' ? -off : off;
		p += 6;
	} else
		return -EINVAL;
	if (*p)
		return -EINVAL;
	*out = timegm(&tm) - off;
	return 0;
}

static void key_id_of(const unsigned char pk[crypto_sign_PUBLICKEYBYTES], char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(h, pk, crypto_sign_PUBLICKEYBYTES);
	sodium_bin2hex(out, 65, h, sizeof(h));
}

static char *b64(const unsigned char *bin, size_t n)
{
	size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(len);

	if (s)
		sodium_bin2base64(s, len, bin, n, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

static int unb64(const char *s, unsigned char *bin, size_t want)
{
	size_t n = 0;

	if (!s ||
	    sodium_base642bin(bin, want, s, strlen(s), NULL, &n, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    n != want)
		return -EINVAL;
	return 0;
}

/* A copy of s with "\n" appended; s is wiped (it may hold a secret) and freed. */
static char *with_newline(char *s)
{
	size_t n = s ? strlen(s) : 0;
	char *t = s ? malloc(n + 2) : NULL;

	if (t) {
		memcpy(t, s, n);
		t[n] = '\n';
		t[n + 1] = 0;
	}
	if (s)
		sodium_memzero(s, n);
	free(s);
	return t;
}

/* Builds the JSON of a key file; the secret is wiped from cJSON's copy too. */
static char *key_json(const char *kid, const char *field, const char *key, const char *label,
		      const char *time_field, const char *now, const char *expires_at)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "key_id", kid);
	cJSON_AddStringToObject(o, "algorithm", "ed25519");
	cJSON_AddStringToObject(o, field, key);
	cJSON_AddStringToObject(o, "label", label ? label : "");
	cJSON_AddStringToObject(o, time_field, now);
	if (expires_at && *expires_at)
		cJSON_AddStringToObject(o, "expires_at", expires_at);
	s = cJSON_Print(o);
	sodium_memzero(cJSON_GetObjectItem(o, field)->valuestring, strlen(key));
	cJSON_Delete(o);
	return with_newline(s);
}

int policy_keygen(const char *dir, const char *label, const char *expires_at, char key_id[65],
		  char *err, size_t errlen)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	char now[32], path[4096], *pub = NULL, *sec = NULL, *js;
	time_t t;
	int r;

	if (sodium_init() < 0)
		return errf(err, errlen, -EIO, "libsodium failed to initialise");
	if (expires_at && *expires_at && policy_parse_rfc3339(expires_at, &t) < 0)
		return errf(err, errlen, -EINVAL, "expires_at: not an RFC 3339 time: %s",
			    expires_at);
	crypto_sign_keypair(pk, sk);
	key_id_of(pk, key_id);
	now_rfc3339(now);
	pub = b64(pk, sizeof(pk));
	sec = b64(sk, sizeof(sk));
	sodium_memzero(sk, sizeof(sk));
	r = -ENOMEM;
	if (pub && sec &&
	    (js = key_json(key_id, "private_key", sec, label, "created_at", now, NULL))) {
		snprintf(path, sizeof(path), "%s/private.key.json", dir);
		r = write_file(path, js, 0600);
		sodium_memzero(js, strlen(js));
		free(js);
	}
	if (r == 0 &&
	    (js = key_json(key_id, "public_key", pub, label, "trusted_since", now, expires_at))) {
		snprintf(path, sizeof(path), "%s/public.key.json", dir);
		r = write_file(path, js, 0644);
		free(js);
	}
	if (sec)
		sodium_memzero(sec, strlen(sec));
	free(sec);
	free(pub);
	return r < 0 ? errf(err, errlen, r, "write key files in %s: %s", dir, strerror(-r)) : 0;
}

static int load_secret(const char *path, unsigned char sk[crypto_sign_SECRETKEYBYTES],
		       char key_id[65], char *err, size_t errlen)
{
	unsigned char *text = NULL, pk[crypto_sign_PUBLICKEYBYTES];
	size_t len;
	cJSON *o, *alg, *key;
	int r = read_all(path, KEY_FILE_MAX, &text, &len);

	if (r < 0)
		return errf(err, errlen, r, "read private key %s: %s", path, strerror(-r));
	o = cJSON_Parse((const char *)text);
	sodium_memzero(text, len);
	free(text);
	alg = cJSON_GetObjectItem(o, "algorithm");
	key = cJSON_GetObjectItem(o, "private_key");
	if (!o || !cJSON_IsString(alg) || strcmp(alg->valuestring, "ed25519") != 0 ||
	    !cJSON_IsString(key) || unb64(key->valuestring, sk, crypto_sign_SECRETKEYBYTES) < 0)
		r = errf(err, errlen, -EINVAL, "%s: not an ed25519 private key file", path);
	if (cJSON_IsString(key))
		sodium_memzero(key->valuestring, strlen(key->valuestring));
	cJSON_Delete(o);
	if (r == 0) {
		crypto_sign_ed25519_sk_to_pk(pk, sk);
		key_id_of(pk, key_id);
	}
	return r;
}

int policy_sign_file(const char *policy_path, const char *private_key_path, const char *output,
		     const char *signer, char *err, size_t errlen)
{
	unsigned char sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES], *data = NULL;
	char kid[65], now[32], sigpath[4200], *sig64, *js;
	size_t len;
	cJSON *o;
	int r;

	if (sodium_init() < 0)
		return errf(err, errlen, -EIO, "libsodium failed to initialise");
	if ((r = load_secret(private_key_path, sk, kid, err, errlen)) < 0)
		return r;
	if ((r = read_all(policy_path, SIGNED_FILE_MAX, &data, &len)) < 0) {
		sodium_memzero(sk, sizeof(sk));
		return errf(err, errlen, r, "read %s: %s", policy_path, strerror(-r));
	}
	crypto_sign_detached(sig, NULL, data, len, sk);
	sodium_memzero(sk, sizeof(sk));
	free(data);
	now_rfc3339(now);
	sig64 = b64(sig, sizeof(sig));
	o = cJSON_CreateObject();
	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "algorithm", "ed25519");
	cJSON_AddStringToObject(o, "key_id", kid);
	cJSON_AddStringToObject(o, "signature", sig64 ? sig64 : "");
	cJSON_AddStringToObject(o, "signed_at", now);
	if (signer && *signer)
		cJSON_AddStringToObject(o, "signer", signer);
	js = with_newline(cJSON_Print(o));
	cJSON_Delete(o);
	free(sig64);
	if (!js)
		return errf(err, errlen, -ENOMEM, "out of memory");
	snprintf(sigpath, sizeof(sigpath), "%s", output && *output ? output : policy_path);
	if (!(output && *output))
		strncat(sigpath, ".sig", sizeof(sigpath) - strlen(sigpath) - 1);
	r = write_file(sigpath, js, 0644);
	free(js);
	return r < 0 ? errf(err, errlen, r, "write %s: %s", sigpath, strerror(-r)) : 0;
}

static bool world_writable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && (st.st_mode & S_IWOTH);
}

/* Checks one key file; returns 1 when it holds kid (pk filled), 0 if not, <0 on error. */
static int check_key_file(const char *path, const char *kid,
			  unsigned char pk[crypto_sign_PUBLICKEYBYTES], char *err, size_t errlen)
{
	unsigned char *text = NULL;
	size_t len;
	cJSON *o, *id, *key, *exp;
	time_t t;
	int r = 0;

	if (read_all(path, KEY_FILE_MAX, &text, &len) < 0)
		return 0;
	o = cJSON_Parse((const char *)text);
	free(text);
	id = cJSON_GetObjectItem(o, "key_id");
	key = cJSON_GetObjectItem(o, "public_key");
	exp = cJSON_GetObjectItem(o, "expires_at");
	if (!cJSON_IsString(id) || strcmp(id->valuestring, kid) != 0)
		r = 0;
	else if (!cJSON_IsString(key) ||
		 unb64(key->valuestring, pk, crypto_sign_PUBLICKEYBYTES) < 0)
		r = errf(err, errlen, -EINVAL, "%s: invalid public_key", path);
	else if (cJSON_IsString(exp) && *exp->valuestring &&
		 (policy_parse_rfc3339(exp->valuestring, &t) < 0 || t <= time(NULL)))
		r = errf(err, errlen, -EKEYEXPIRED, "expired_key: %s (expires_at %s)", kid,
			 exp->valuestring);
	else
		r = 1;
	cJSON_Delete(o);
	return r;
}

/*
 * Finds the trusted public key with key_id in dir (every *.json file). Every
 * file is looked at: in strict mode one world-writable key file taints the
 * store, and a key_id listed twice is refused.
 */
static int find_key(const char *dir, const char *kid, bool strict,
		    unsigned char pk[crypto_sign_PUBLICKEYBYTES], char *err, size_t errlen)
{
	unsigned char cand[crypto_sign_PUBLICKEYBYTES];
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0, r = 0;

	if (!d)
		return errf(err, errlen, -errno, "read trust store %s: %s", dir, strerror(errno));
	while (r >= 0 && (e = readdir(d))) {
		char path[4200];
		size_t n = strlen(e->d_name);

		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (strict && world_writable(path)) {
			r = errf(err, errlen, -EPERM, "trust store key file %s is world-writable",
				 path);
			break;
		}
		r = check_key_file(path, kid, cand, err, errlen);
		if (r == 1 && found++)
			r = errf(err, errlen, -EINVAL, "trust store %s: duplicate key_id %s", dir,
				 kid);
		else if (r == 1)
			memcpy(pk, cand, sizeof(cand));
	}
	closedir(d);
	if (r < 0)
		return r;
	return found ? 0
		     : errf(err, errlen, -ENOKEY, "unknown_key: %s is not in trust store %s", kid,
			    dir);
}

static int parse_sig(const char *sigpath, char kid[65], unsigned char sig[crypto_sign_BYTES],
		     char *err, size_t errlen)
{
	unsigned char *text = NULL;
	size_t len;
	cJSON *o, *ver, *alg, *id, *s;
	int r = read_all(sigpath, KEY_FILE_MAX, &text, &len);

	if (r < 0)
		return errf(err, errlen, r, "read signature %s: %s", sigpath, strerror(-r));
	o = cJSON_Parse((const char *)text);
	free(text);
	ver = cJSON_GetObjectItem(o, "version");
	alg = cJSON_GetObjectItem(o, "algorithm");
	id = cJSON_GetObjectItem(o, "key_id");
	s = cJSON_GetObjectItem(o, "signature");
	if (!o || !cJSON_IsNumber(ver) || ver->valuedouble != 1 || !cJSON_IsString(alg) ||
	    strcmp(alg->valuestring, "ed25519") != 0 || !cJSON_IsString(id) ||
	    strlen(id->valuestring) != 64 || !cJSON_IsString(s) ||
	    unb64(s->valuestring, sig, crypto_sign_BYTES) < 0)
		r = errf(err, errlen, -EINVAL, "%s: not a version 1 ed25519 signature file",
			 sigpath);
	else
		memcpy(kid, id->valuestring, 65);
	cJSON_Delete(o);
	return r;
}

int policy_verify_signature_ex(const char *policy_path, const char *trust_store_dir, bool strict,
			       char key_id[65], char *err, size_t errlen)
{
	unsigned char sig[crypto_sign_BYTES], pk[crypto_sign_PUBLICKEYBYTES], *data = NULL;
	char sigpath[4200], kid[65];
	size_t len;
	int r;

	if (sodium_init() < 0)
		return errf(err, errlen, -EIO, "libsodium failed to initialise");
	if (strict && world_writable(trust_store_dir))
		return errf(err, errlen, -EPERM, "trust store %s is world-writable",
			    trust_store_dir);
	snprintf(sigpath, sizeof(sigpath), "%s.sig", policy_path);
	if ((r = parse_sig(sigpath, kid, sig, err, errlen)) < 0 ||
	    (r = find_key(trust_store_dir, kid, strict, pk, err, errlen)) < 0)
		return r;
	if ((r = read_all(policy_path, SIGNED_FILE_MAX, &data, &len)) < 0)
		return errf(err, errlen, r, "read %s: %s", policy_path, strerror(-r));
	r = crypto_sign_verify_detached(sig, data, len, pk);
	free(data);
	if (r != 0)
		return errf(err, errlen, -EBADMSG, "signature of %s does not verify with key %s",
			    policy_path, kid);
	if (key_id)
		memcpy(key_id, kid, 65);
	return 0;
}

int policy_verify_signature(const char *policy_path, const char *trust_store_dir, char *err,
			    size_t errlen)
{
	return policy_verify_signature_ex(policy_path, trust_store_dir, true, NULL, err, errlen);
}

int policy_signing_check(const char *policy_path, const char *trust_store_dir, const char *mode,
			 char *err, size_t errlen)
{
	bool enforce;
	int r;

	if (!mode || !*mode || strcmp(mode, "off") == 0)
		return 0;
	enforce = strcmp(mode, "enforce") == 0;
	if (!enforce && strcmp(mode, "warn") != 0)
		return errf(err, errlen, -EINVAL,
			    "policies.signing.mode must be enforce, warn or off");
	if (!trust_store_dir || !*trust_store_dir)
		return errf(err, errlen, enforce ? -EINVAL : 1,
			    "policies.signing.trust_store is not set");
	r = policy_verify_signature_ex(policy_path, trust_store_dir, enforce, NULL, err, errlen);
	if (r < 0 && !enforce)
		return 1;
	if (r == 0 && !enforce && world_writable(trust_store_dir))
		return errf(err, errlen, 1, "trust store %s is world-writable", trust_store_dir);
	return r;
}

int policy_verify_manifest(const char *manifest_path, const char *policy_path, char *err,
			   size_t errlen)
{
	unsigned char *man = NULL, *data = NULL, h[crypto_hash_sha256_BYTES];
	const char *base = strrchr(policy_path, '/');
	char hex[2 * crypto_hash_sha256_BYTES + 1], *line, *save = NULL;
	size_t mlen, len;
	bool listed = false, match = false;
	int r;

	base = base ? base + 1 : policy_path;
	if ((r = read_all(manifest_path, SIGNED_FILE_MAX, &man, &mlen)) < 0)
		return errf(err, errlen, r, "read manifest %s: %s", manifest_path, strerror(-r));
	if ((r = read_all(policy_path, SIGNED_FILE_MAX, &data, &len)) < 0) {
		free(man);
		return errf(err, errlen, r, "read %s: %s", policy_path, strerror(-r));
	}
	crypto_hash_sha256(h, data, len);
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	free(data);
	for (line = strtok_r((char *)man, "\n", &save); line && !listed;
	     line = strtok_r(NULL, "\n", &save)) {
		char sum[129], name[4096];

		if (sscanf(line, " %128s %4095s", sum, name) == 2 &&
		    strcmp(name[0] == '*' ? name + 1 : name, base) == 0) {
			listed = true;
			match = strcasecmp(sum, hex) == 0;
		}
	}
	free(man);
	if (!listed)
		return errf(err, errlen, -ENOENT, "policy not listed in manifest: %s", base);
	if (!match)
		return errf(err, errlen, -EBADMSG, "policy hash mismatch: %s", base);
	return 0;
}
