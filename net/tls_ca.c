/*
 * The per-session CA of the TLS proxy. Generated at start, key in memory
 * only; leaves are issued on demand for the names programs ask for and kept
 * in a small cache (a leaf costs one ECDSA signature).
 */
#include "compat.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdio.h>

#include "tls_int.h"

#define LEAF_CACHE 64
#define NAME_MAX_LEN 256

struct leaf {
	char name[NAME_MAX_LEN];
	X509 *cert;
};

struct tls_ca {
	EVP_PKEY *key;
	X509 *cert;
	EVP_PKEY *leaf_key;
	pthread_mutex_t lock;
	struct leaf cache[LEAF_CACHE];
	unsigned next; /* round-robin eviction */
};

static int set_serial(X509 *x)
{
	BIGNUM *bn = BN_new();
	int ok = bn && BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
		 BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));

	BN_free(bn);
	return ok ? 0 : -EIO;
}

static int set_name(X509_NAME *n, const char *cn)
{
	return X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"agentsh",
					  -1, -1, 0) &&
		       X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn,
						  -1, -1, 0)
		   ? 0
		   : -EIO;
}

/* Extensions as (nid, value) pairs; issuer must already carry its SKI. */
static int add_exts(X509 *x, X509 *issuer, const int *nids, const char *const *vals, size_t n)
{
	X509V3_CTX ctx;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	for (size_t i = 0; i < n; i++) {
		X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nids[i], vals[i]);
		int ok = ext && X509_add_ext(x, ext, -1);

		X509_EXTENSION_free(ext);
		if (!ok)
			return -EIO;
	}
	return 0;
}

/* Certificate skeleton: v3, serial, validity, subject, public key. */
static X509 *cert_new(EVP_PKEY *pub, const char *cn, long days)
{
	X509 *x = X509_new();

	if (!x || !X509_set_version(x, 2) || set_serial(x) < 0 ||
	    !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), days * 86400L) ||
	    set_name(X509_get_subject_name(x), cn) < 0 || !X509_set_pubkey(x, pub)) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static X509 *ca_cert_new(EVP_PKEY *key, const char *label)
{
	static const int nids[] = {NID_basic_constraints, NID_key_usage, NID_subject_key_identifier,
				   NID_authority_key_identifier};
	static const char *const vals[] = {"critical,CA:TRUE,pathlen:0",
					   "critical,keyCertSign,cRLSign", "hash", "keyid:always"};
	char cn[128];
	X509 *x;

	snprintf(cn, sizeof(cn), "agentsh session CA %.64s", label && label[0] ? label : "");
	x = cert_new(key, cn, 7);
	if (!x || !X509_set_issuer_name(x, X509_get_subject_name(x)) ||
	    add_exts(x, x, nids, vals, 4) < 0 || !X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

int tls_ca_new(const char *label, struct tls_ca **out)
{
	struct tls_ca *ca = calloc(1, sizeof(*ca));

	*out = NULL;
	if (!ca)
		return -ENOMEM;
	pthread_mutex_init(&ca->lock, NULL);
	ca->key = EVP_EC_gen("P-256");
	ca->leaf_key = EVP_EC_gen("P-256");
	if (ca->key && ca->leaf_key)
		ca->cert = ca_cert_new(ca->key, label);
	if (!ca->cert) {
		tls_ca_free(ca);
		return -EIO;
	}
	*out = ca;
	return 0;
}

void tls_ca_free(struct tls_ca *ca)
{
	if (!ca)
		return;
	for (size_t i = 0; i < LEAF_CACHE; i++)
		X509_free(ca->cache[i].cert);
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	EVP_PKEY_free(ca->leaf_key);
	pthread_mutex_destroy(&ca->lock);
	free(ca);
}

static X509 *leaf_new(struct tls_ca *ca, const char *name)
{
	static const int nids[] = {NID_basic_constraints,
				   NID_key_usage,
				   NID_ext_key_usage,
				   NID_subject_key_identifier,
				   NID_authority_key_identifier,
				   NID_subject_alt_name};
	unsigned char bin[16];
	char san[NAME_MAX_LEN + 8];
	const char *vals[] = {"critical,CA:FALSE", "critical,digitalSignature",
			      "serverAuth",	   "hash",
			      "keyid:always",	   san};
	bool ip = inet_pton(AF_INET, name, bin) == 1 || inet_pton(AF_INET6, name, bin) == 1;
	X509 *x;

	/* name was checked by the caller: no ',' or ':' can reach the conf string */
	snprintf(san, sizeof(san), "%s:%s", ip ? "IP" : "DNS", name);
	x = cert_new(ca->leaf_key, name, 2);
	if (!x || !X509_set_issuer_name(x, X509_get_subject_name(ca->cert)) ||
	    add_exts(x, ca->cert, nids, vals, 6) < 0 || !X509_sign(x, ca->key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

X509 *tls_ca_leaf(struct tls_ca *ca, const char *name)
{
	X509 *x = NULL;

	if (!ca || !name || strlen(name) >= NAME_MAX_LEN)
		return NULL;
	pthread_mutex_lock(&ca->lock);
	for (size_t i = 0; i < LEAF_CACHE && !x; i++)
		if (ca->cache[i].cert && strcmp(ca->cache[i].name, name) == 0)
			x = ca->cache[i].cert;
	if (!x) {
		struct leaf *l = &ca->cache[ca->next++ % LEAF_CACHE];

		x = leaf_new(ca, name);
		if (x) {
			X509_free(l->cert);
			l->cert = x;
			snprintf(l->name, sizeof(l->name), "%s", name);
		}
	}
	if (x)
		X509_up_ref(x);
	pthread_mutex_unlock(&ca->lock);
	return x;
}

EVP_PKEY *tls_ca_leaf_key(const struct tls_ca *ca)
{
	return ca->leaf_key;
}

X509 *tls_ca_cert(const struct tls_ca *ca)
{
	return ca->cert;
}

int tls_ca_write_pem(const struct tls_ca *ca, FILE *f)
{
	return PEM_write_X509(f, ca->cert) ? 0 : -EIO;
}
