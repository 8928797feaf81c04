/* Internal to the TLS proxy: the session CA (net/tls_ca.c). */
#ifndef AGENTSH_NET_TLS_INT_H
#define AGENTSH_NET_TLS_INT_H

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>

struct tls_ca;

/* A fresh P-256 CA "agentsh session CA <label>", valid from an hour ago for
 * 7 days, and one P-256 key shared by its leaves. 0 or -errno. */
int tls_ca_new(const char *label, struct tls_ca **out);
void tls_ca_free(struct tls_ca *ca);
/* Leaf for name (a host name or an IP literal) signed by the CA, cached;
 * a new reference the caller releases with X509_free. NULL on error. */
X509 *tls_ca_leaf(struct tls_ca *ca, const char *name);
EVP_PKEY *tls_ca_leaf_key(const struct tls_ca *ca);
X509 *tls_ca_cert(const struct tls_ca *ca);
/* PEM of the CA certificate. 0 or -EIO. */
int tls_ca_write_pem(const struct tls_ca *ca, FILE *f);

/* ---- the proxy (net/tls_proxy.c, net/tls_conn.c) ----------------------- */

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <stdbool.h>

#include "tls_proxy.h"

#define TLS_MAX_ROUTES 32
#define TLS_MAX_CONNS 256

/* One rewrite_sni rule: its loopback listener and where it goes. */
struct tls_route {
	char rule[128];
	char redirect_to[300]; /* as written, for events */
	char sni[256];
	struct sockaddr_storage up;
	socklen_t uplen;
	enum net_visibility visibility;
	int lfd;
	int port;
};

struct tlsproxy {
	struct tlsproxy_config cfg;
	char *upstream_ca_file;
	struct tls_ca *ca;
	SSL_CTX *server_ctx; /* faces the traced program */
	SSL_CTX *client_ctx; /* faces redirect_to */
	pthread_mutex_t lock;
	pthread_cond_t idle; /* signalled when nconns drops */
	struct tls_route routes[TLS_MAX_ROUTES];
	int nroutes;
	int conn_fds[TLS_MAX_CONNS][2]; /* -1 when free; shut down at stop */
	int nconns;
	int wake_fd;
	bool stopping;
	pthread_t thread;
	char dir[256], ca_path[300], bundle_path[300];
	char *env[8];
};

/* Serves one accepted connection in its own detached thread; takes cfd.
 * Returns 0 or -errno (cfd closed either way). */
int tls_conn_spawn(struct tlsproxy *tp, const struct tls_route *route, int cfd);
/* SSL_CTXs of the proxy (client hello and ALPN callbacks). 0 or -EIO. */
int tls_conn_contexts(struct tlsproxy *tp);

#endif /* !AGENTSH_NET_TLS_INT_H */
