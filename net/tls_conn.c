/*
 * One intercepted connection of the TLS proxy, in its own thread:
 *   1. read the program's ClientHello (client hello callback): its SNI and
 *      ALPN offer;
 *   2. connect to redirect_to and handshake with SNI = tls.sni and the same
 *      ALPN offer, verifying the server's certificate for tls.sni;
 *   3. only then answer the program with a leaf for its SNI and the ALPN the
 *      server chose;
 *   4. relay application bytes both ways until either side closes.
 * A failure in 1-2 answers the program with a handshake_failure alert: fail
 * closed, with an event saying why.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

#include "log.h"
#include "tls_int.h"

#define RELAY_BUF 16384
#define WRITE_STALL_MS 30000

struct conn {
	struct tlsproxy *tp;
	struct tls_route route;
	int slot;
	int cfd, ufd;
	SSL *c, *u;
	char client[80];
	char client_sni[256];
	uint8_t alpn[512];
	size_t alpnlen;
	char err[256];
};

/* ---- bookkeeping --------------------------------------------------------- */

static void set_timeouts(int fd, unsigned ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
	int one = 1;

	/* records are relayed as they come: no Nagle delay on top */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static void set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK);
}

static void conn_end(struct conn *c)
{
	struct tlsproxy *tp = c->tp;

	SSL_free(c->c);
	SSL_free(c->u);
	pthread_mutex_lock(&tp->lock);
	tp->conn_fds[c->slot][0] = tp->conn_fds[c->slot][1] = -1;
	close(c->cfd);
	if (c->ufd >= 0)
		close(c->ufd);
	tp->nconns--;
	pthread_cond_broadcast(&tp->idle);
	pthread_mutex_unlock(&tp->lock);
	free(c);
}

static void fail(struct conn *c, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char ssl[160] = "";

	if (c->err[0])
		return; /* the first reason is the one that matters */
	if (e)
		ERR_error_string_n(e, ssl, sizeof(ssl));
	snprintf(c->err, sizeof(c->err), "%s%s%s", what, ssl[0] ? ": " : "", ssl);
	ERR_clear_error();
}

/* ---- event --------------------------------------------------------------- */

static void conn_event(struct conn *c, bool ok)
{
	struct tlsproxy *tp = c->tp;
	cJSON *o, *pol, *f;
	char *s;
	const char *dec = ok ? "redirect" : "deny";
	const unsigned char *alpn = NULL;
	unsigned alen = 0;
	char ab[256];

	if (!tp->cfg.on_event || (ok && c->route.visibility == NET_VIS_SILENT))
		return;
	if (c->route.visibility == NET_VIS_WARN)
		log_warn("tls proxy %s: %s -> %s (sni %s)%s%s", c->route.rule, c->client_sni,
			 c->route.redirect_to, c->route.sni, ok ? "" : ": ", ok ? "" : c->err);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "type", "ptrace_network");
	cJSON_AddStringToObject(o, "source", "tls_proxy");
	cJSON_AddStringToObject(o, "operation", "tls_intercept");
	if (c->client_sni[0])
		cJSON_AddStringToObject(o, "domain", c->client_sni);
	cJSON_AddStringToObject(o, "remote", c->route.redirect_to);
	pol = cJSON_AddObjectToObject(o, "policy");
	cJSON_AddStringToObject(pol, "decision", dec);
	cJSON_AddStringToObject(pol, "effective_decision", dec);
	cJSON_AddStringToObject(pol, "rule", c->route.rule);
	cJSON_AddStringToObject(pol, "message", ok ? "TLS intercepted, SNI rewritten" : c->err);
	cJSON_AddStringToObject(pol, "redirect", c->route.redirect_to);
	f = cJSON_AddObjectToObject(o, "fields");
	cJSON_AddStringToObject(f, "client", c->client);
	cJSON_AddStringToObject(f, "client_sni", c->client_sni);
	cJSON_AddStringToObject(f, "upstream", c->route.redirect_to);
	cJSON_AddStringToObject(f, "upstream_sni", c->route.sni);
	if (ok && c->u) {
		cJSON_AddStringToObject(f, "tls_version", SSL_get_version(c->u));
		SSL_get0_alpn_selected(c->u, &alpn, &alen);
		if (alen) {
			alen = alen < sizeof(ab) ? alen : sizeof(ab) - 1;
			memcpy(ab, alpn, alen);
			ab[alen] = 0;
			cJSON_AddStringToObject(f, "alpn", ab);
		}
	}
	if (!ok)
		cJSON_AddStringToObject(f, "error", c->err);
	s = cJSON_PrintUnformatted(o);
	if (s)
		tp->cfg.on_event(tp->cfg.event_ctx, s);
	cJSON_free(s);
	cJSON_Delete(o);
}

/* ---- upstream ------------------------------------------------------------ */

static int tcp_connect(struct conn *c)
{
	struct tlsproxy *tp = c->tp;
	struct pollfd p;
	int fd, err = 0;
	socklen_t len = sizeof(err);

	fd = socket(c->route.up.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&tp->lock);
	c->ufd = fd;
	tp->conn_fds[c->slot][1] = fd;
	err = tp->stopping ? ECANCELED : 0;
	pthread_mutex_unlock(&tp->lock);
	if (err)
		return -err;
	if (connect(fd, (struct sockaddr *)&c->route.up, c->route.uplen) < 0) {
		if (errno != EINPROGRESS)
			return -errno;
		p = (struct pollfd){.fd = fd, .events = POLLOUT};
		if (poll(&p, 1, (int)tp->cfg.handshake_timeout_ms) <= 0)
			return -ETIMEDOUT;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err)
			return err ? -err : -errno;
	}
	set_nonblock(fd, false);
	set_timeouts(fd, tp->cfg.handshake_timeout_ms);
	return 0;
}

static void upstream_fail(struct conn *c)
{
	long v = c->u ? SSL_get_verify_result(c->u) : X509_V_OK;
	char what[200];

	if (v != X509_V_OK) {
		snprintf(what, sizeof(what), "upstream %s certificate for %s: %s",
			 c->route.redirect_to, c->route.sni, X509_verify_cert_error_string(v));
		ERR_clear_error();
	} else {
		snprintf(what, sizeof(what), "upstream %s TLS handshake failed",
			 c->route.redirect_to);
	}
	fail(c, what);
}

static int upstream_open(struct conn *c)
{
	int r;
	char what[200];

	r = tcp_connect(c);
	if (r < 0) {
		snprintf(what, sizeof(what), "upstream %s unreachable: %s", c->route.redirect_to,
			 strerror(-r));
		fail(c, what);
		return r;
	}
	c->u = SSL_new(c->tp->client_ctx);
	if (!c->u || !SSL_set_tlsext_host_name(c->u, c->route.sni) ||
	    !SSL_set1_host(c->u, c->route.sni) || !SSL_set_fd(c->u, c->ufd) ||
	    (c->alpnlen && SSL_set_alpn_protos(c->u, c->alpn, (unsigned)c->alpnlen) != 0)) {
		fail(c, "upstream TLS setup");
		return -EIO;
	}
	if (SSL_connect(c->u) != 1) {
		upstream_fail(c);
		return -EPROTO;
	}
	return 0;
}

/* ---- the program's side -------------------------------------------------- */

static int read_hello(struct conn *c, SSL *s)
{
	const unsigned char *ext, *list;
	size_t n, listlen;

	if (!SSL_client_hello_get0_ext(s, TLSEXT_TYPE_server_name, &ext, &n)) {
		fail(c,
		     "the program sent no server_name (SNI): no name to issue a certificate for");
		return -ENOENT;
	}
	if (net_tls_ext_server_name(ext, n, c->client_sni, sizeof(c->client_sni)) < 0) {
		fail(c, "malformed server_name in the program's ClientHello");
		return -EINVAL;
	}
	c->alpnlen = 0;
	if (SSL_client_hello_get0_ext(s, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext,
				      &n)) {
		if (net_tls_ext_alpn(ext, n, &list, &listlen) < 0 || listlen > sizeof(c->alpn)) {
			fail(c, "malformed or oversized ALPN in the program's ClientHello");
			return -EINVAL;
		}
		memcpy(c->alpn, list, listlen);
		c->alpnlen = listlen;
	}
	return 0;
}

static int on_client_hello(SSL *s, int *al, void *arg)
{
	struct conn *c = SSL_get_app_data(s);
	X509 *leaf;
	int ok;

	(void)arg;
	*al = SSL_AD_HANDSHAKE_FAILURE;
	/* a second ClientHello (after HelloRetryRequest) reuses the upstream */
	if (!c->u && (read_hello(c, s) < 0 || upstream_open(c) < 0))
		return SSL_CLIENT_HELLO_ERROR;
	leaf = tls_ca_leaf(c->tp->ca, c->client_sni);
	ok = leaf && SSL_use_certificate(s, leaf) == 1 &&
	     SSL_use_PrivateKey(s, tls_ca_leaf_key(c->tp->ca)) == 1;
	X509_free(leaf);
	if (!ok) {
		*al = SSL_AD_INTERNAL_ERROR;
		fail(c, "cannot issue a certificate");
		return SSL_CLIENT_HELLO_ERROR;
	}
	return SSL_CLIENT_HELLO_SUCCESS;
}

/* The program gets the protocol the server chose (it offered the same list). */
static int on_alpn(SSL *s, const unsigned char **out, unsigned char *outlen,
		   const unsigned char *in, unsigned inlen, void *arg)
{
	struct conn *c = SSL_get_app_data(s);
	const unsigned char *sel = NULL, *p;
	unsigned len = 0;

	(void)arg;
	if (c->u)
		SSL_get0_alpn_selected(c->u, &sel, &len);
	if (!len)
		return SSL_TLSEXT_ERR_NOACK;
	p = net_tls_alpn_find(in, inlen, sel, len);
	if (!p)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = p;
	*outlen = (unsigned char)len;
	return SSL_TLSEXT_ERR_OK;
}

int tls_conn_contexts(struct tlsproxy *tp)
{
	tp->server_ctx = SSL_CTX_new(TLS_server_method());
	tp->client_ctx = SSL_CTX_new(TLS_client_method());
	if (!tp->server_ctx || !tp->client_ctx)
		return -EIO;
	SSL_CTX_set_min_proto_version(tp->server_ctx, TLS1_2_VERSION);
	SSL_CTX_set_min_proto_version(tp->client_ctx, TLS1_2_VERSION);
	SSL_CTX_set_client_hello_cb(tp->server_ctx, on_client_hello, NULL);
	SSL_CTX_set_alpn_select_cb(tp->server_ctx, on_alpn, NULL);
	/* TLS 1.3 tickets stay on: they are what carries the ACK of the
	 * program's Finished; without them its first request, held back by
	 * Nagle, waits for a delayed ACK (measured +40 ms per connection). */
	SSL_CTX_set_verify(tp->client_ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_default_verify_paths(tp->client_ctx) != 1)
		return -EIO;
	if (tp->cfg.upstream_ca_file &&
	    SSL_CTX_load_verify_locations(tp->client_ctx, tp->cfg.upstream_ca_file, NULL) != 1) {
		log_error("cannot load the upstream CA file %s", tp->cfg.upstream_ca_file);
		return -EINVAL;
	}
	return 0;
}

/* ---- relay --------------------------------------------------------------- */

static int write_all(SSL *s, int fd, const char *b, int n)
{
	int off = 0;

	while (off < n) {
		int w = SSL_write(s, b + off, n - off), e;
		struct pollfd p = {.fd = fd};

		if (w > 0) {
			off += w;
			continue;
		}
		e = SSL_get_error(s, w);
		if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ)
			return -EPIPE;
		p.events = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
		if (poll(&p, 1, WRITE_STALL_MS) <= 0)
			return -ETIMEDOUT;
	}
	return 0;
}

/* Everything readable from `from` now, written to `to`. 0 when it would
 * block, -1 when a side closed or failed. */
static int pump(SSL *from, SSL *to, int to_fd)
{
	char buf[RELAY_BUF];

	for (;;) {
		int n = SSL_read(from, buf, sizeof(buf)), e;

		if (n > 0) {
			if (write_all(to, to_fd, buf, n) < 0)
				return -1;
			continue;
		}
		e = SSL_get_error(from, n);
		return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE ? 0 : -1;
	}
}

static void relay(struct conn *c)
{
	set_nonblock(c->cfd, true);
	set_nonblock(c->ufd, true);
	for (;;) {
		struct pollfd p[2] = {{.fd = c->cfd, .events = POLLIN},
				      {.fd = c->ufd, .events = POLLIN}};

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents && pump(c->c, c->u, c->ufd) < 0)
			break;
		if (p[1].revents && pump(c->u, c->c, c->cfd) < 0)
			break;
	}
	SSL_shutdown(c->c);
	SSL_shutdown(c->u);
}

/* ---- thread -------------------------------------------------------------- */

static void peer_name(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[64];
	int port = 0;

	snprintf(out, cap, "?");
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    net_sockaddr_format((struct sockaddr *)&ss, len, ip, sizeof(ip), &port) == 0)
		snprintf(out, cap, "%s:%d", ip, port);
}

static void *conn_main(void *arg)
{
	struct conn *c = arg;

	peer_name(c->cfd, c->client, sizeof(c->client));
	set_nonblock(c->cfd, false);
	set_timeouts(c->cfd, c->tp->cfg.handshake_timeout_ms);
	c->c = SSL_new(c->tp->server_ctx);
	if (!c->c || !SSL_set_fd(c->c, c->cfd)) {
		fail(c, "TLS setup");
	} else {
		SSL_set_app_data(c->c, c);
		if (SSL_accept(c->c) != 1)
			fail(c, "the program's TLS handshake failed (is the session CA trusted?)");
	}
	conn_event(c, !c->err[0]);
	if (!c->err[0]) {
		set_timeouts(c->cfd, 0);
		set_timeouts(c->ufd, 0);
		relay(c);
	}
	ERR_clear_error();
	conn_end(c);
	return NULL;
}

int tls_conn_spawn(struct tlsproxy *tp, const struct tls_route *route, int cfd)
{
	struct conn *c = calloc(1, sizeof(*c));
	pthread_attr_t a;
	pthread_t t;
	int slot = -1, r;

	pthread_mutex_lock(&tp->lock);
	if (c && !tp->stopping && tp->nconns < (int)tp->cfg.max_conns)
		for (int i = 0; i < TLS_MAX_CONNS && slot < 0; i++)
			if (tp->conn_fds[i][0] < 0)
				slot = i;
	if (slot >= 0) {
		tp->conn_fds[slot][0] = cfd;
		tp->nconns++;
	}
	pthread_mutex_unlock(&tp->lock);
	if (slot < 0) {
		close(cfd);
		free(c);
		return -EAGAIN;
	}
	*c = (struct conn){.tp = tp, .route = *route, .slot = slot, .cfd = cfd, .ufd = -1};
	pthread_attr_init(&a);
	pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&a, 256 * 1024);
	r = -pthread_create(&t, &a, conn_main, c);
	pthread_attr_destroy(&a);
	if (r)
		conn_end(c);
	return r;
}
