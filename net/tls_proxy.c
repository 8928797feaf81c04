/*
 * TLS interception for connect_redirects tls.mode rewrite_sni (see
 * tls_proxy.h): the session CA and its files, one loopback listener per rule,
 * the accept thread. Connections are served by net/tls_conn.c.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tls_int.h"

#define BUNDLE_MAX (16u << 20) /* system bundle bytes copied, at most */

/* ---- CA files ------------------------------------------------------------ */

static int copy_bounded(FILE *in, FILE *out)
{
	char buf[16384];
	size_t n, total = 0;

	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		total += n;
		if (total > BUNDLE_MAX || fwrite(buf, 1, n, out) != n)
			return -EIO;
	}
	return ferror(in) ? -EIO : 0;
}

static int write_bundle(struct tlsproxy *tp)
{
	const char *sys = tp->cfg.system_ca_file;
	FILE *out, *in;
	int r = 0;

	if (!sys)
		sys = getenv(X509_get_default_cert_file_env());
	if (!sys || !sys[0])
		sys = X509_get_default_cert_file();
	out = fopen(tp->bundle_path, "wex");
	if (!out)
		return -errno;
	in = fopen(sys, "re");
	if (in) {
		r = copy_bounded(in, out);
		fclose(in);
		fputc('\n', out);
	} else {
		log_warn("no system CA bundle at %s: the command trusts only the session CA", sys);
	}
	if (!r)
		r = tls_ca_write_pem(tp->ca, out);
	if (fclose(out) != 0 && !r)
		r = -EIO;
	return r;
}

static int write_files(struct tlsproxy *tp)
{
	const char *tmp = tp->cfg.tmpdir ? tp->cfg.tmpdir : getenv("TMPDIR");
	FILE *f;
	int r;

	snprintf(tp->dir, sizeof(tp->dir), "%s/agentsh-tls-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	if (!mkdtemp(tp->dir)) {
		tp->dir[0] = 0;
		return -errno;
	}
	chmod(tp->dir, 0755); /* readable by the command, writable by nobody else */
	snprintf(tp->ca_path, sizeof(tp->ca_path), "%s/session-ca.pem", tp->dir);
	snprintf(tp->bundle_path, sizeof(tp->bundle_path), "%s/ca-bundle.pem", tp->dir);
	f = fopen(tp->ca_path, "wex");
	if (!f)
		return -errno;
	r = tls_ca_write_pem(tp->ca, f);
	if (fclose(f) != 0 && !r)
		r = -EIO;
	return r ? r : write_bundle(tp);
}

static void remove_files(struct tlsproxy *tp)
{
	if (!tp->dir[0])
		return;
	unlink(tp->ca_path);
	unlink(tp->bundle_path);
	rmdir(tp->dir);
}

static int build_env(struct tlsproxy *tp)
{
	static const char *const bundle_vars[] = {"SSL_CERT_FILE", "REQUESTS_CA_BUNDLE",
						  "CURL_CA_BUNDLE", "GIT_SSL_CAINFO"};
	size_t i;

	for (i = 0; i < 4; i++)
		if (asprintf(&tp->env[i], "%s=%s", bundle_vars[i], tp->bundle_path) < 0)
			return -ENOMEM;
	/* Node adds these to its own roots: the CA alone is enough. */
	if (asprintf(&tp->env[i], "NODE_EXTRA_CA_CERTS=%s", tp->ca_path) < 0)
		return -ENOMEM;
	return 0;
}

/* ---- accept thread ------------------------------------------------------- */

static void accept_one(struct tlsproxy *tp, int i)
{
	struct tls_route route;
	int fd = accept4(tp->routes[i].lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	route = tp->routes[i];
	pthread_mutex_unlock(&tp->lock);
	if (tls_conn_spawn(tp, &route, fd) < 0)
		log_warn("tls proxy: connection for %s dropped (too many or no memory)",
			 route.rule);
	pthread_mutex_lock(&tp->lock);
}

static void *accept_loop(void *arg)
{
	struct tlsproxy *tp = arg;
	struct pollfd pfd[TLS_MAX_ROUTES + 1];

	pthread_mutex_lock(&tp->lock);
	while (!tp->stopping) {
		int n = tp->nroutes, k;

		pfd[0] = (struct pollfd){.fd = tp->wake_fd, .events = POLLIN};
		for (int i = 0; i < n; i++)
			pfd[i + 1] = (struct pollfd){.fd = tp->routes[i].lfd, .events = POLLIN};
		pthread_mutex_unlock(&tp->lock);
		k = poll(pfd, (nfds_t)n + 1, -1);
		pthread_mutex_lock(&tp->lock);
		if (k <= 0)
			continue;
		if (pfd[0].revents) {
			uint64_t v;
			if (read(tp->wake_fd, &v, sizeof(v)) < 0)
				(void)0;
		}
		for (int i = 0; i < n && !tp->stopping; i++)
			if (pfd[i + 1].revents & POLLIN)
				accept_one(tp, i);
	}
	pthread_mutex_unlock(&tp->lock);
	return NULL;
}

static void wake(struct tlsproxy *tp)
{
	uint64_t one = 1;

	if (write(tp->wake_fd, &one, sizeof(one)) < 0)
		log_debug("tls proxy wake: %s", strerror(errno));
}

/* ---- public -------------------------------------------------------------- */

static int start_parts(struct tlsproxy *tp)
{
	int r;

	r = tls_ca_new(tp->cfg.session_id, &tp->ca);
	if (!r)
		r = tls_conn_contexts(tp);
	if (!r)
		r = write_files(tp);
	if (!r)
		r = build_env(tp);
	if (r)
		return r;
	tp->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (tp->wake_fd < 0)
		return -errno;
	r = -pthread_create(&tp->thread, NULL, accept_loop, tp);
	if (r)
		close(tp->wake_fd), tp->wake_fd = -1;
	return r;
}

int tlsproxy_start(const struct tlsproxy_config *cfg, struct tlsproxy **out)
{
	struct tlsproxy *tp = calloc(1, sizeof(*tp));
	int r;

	*out = NULL;
	if (!tp)
		return -ENOMEM;
	/* session_id, system_ca_file and tmpdir are used during start only */
	tp->cfg = *cfg;
	tp->wake_fd = -1;
	if (!tp->cfg.handshake_timeout_ms)
		tp->cfg.handshake_timeout_ms = 10000;
	if (!tp->cfg.max_conns)
		tp->cfg.max_conns = 64;
	if (tp->cfg.max_conns > TLS_MAX_CONNS)
		tp->cfg.max_conns = TLS_MAX_CONNS;
	for (int i = 0; i < TLS_MAX_CONNS; i++)
		tp->conn_fds[i][0] = tp->conn_fds[i][1] = -1;
	pthread_mutex_init(&tp->lock, NULL);
	pthread_cond_init(&tp->idle, NULL);
	tp->upstream_ca_file = cfg->upstream_ca_file ? strdup(cfg->upstream_ca_file) : NULL;
	tp->cfg.upstream_ca_file = tp->upstream_ca_file;
	r = cfg->upstream_ca_file && !tp->upstream_ca_file ? -ENOMEM : start_parts(tp);
	tp->cfg.session_id = tp->cfg.system_ca_file = tp->cfg.tmpdir = NULL;
	if (r) {
		tlsproxy_stop(tp);
		return r;
	}
	*out = tp;
	return 0;
}

static int listen_loopback(int *port)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(sin);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		int e = -errno;
		close(fd);
		return e;
	}
	*port = ntohs(sin.sin_port);
	return fd;
}

static bool route_same(const struct tls_route *r, const struct net_connect_redirect *m)
{
	return strcmp(r->rule, m->rule ? m->rule : "") == 0 &&
	       strcmp(r->redirect_to, m->redirect_to) == 0 && strcmp(r->sni, m->sni) == 0;
}

static int route_add(struct tlsproxy *tp, const struct net_connect_redirect *m)
{
	struct tls_route *r = &tp->routes[tp->nroutes];
	int fd;

	if (tp->nroutes >= TLS_MAX_ROUTES)
		return -ENOSPC;
	memset(r, 0, sizeof(*r));
	if (snprintf(r->rule, sizeof(r->rule), "%s", m->rule ? m->rule : "") >=
		(int)sizeof(r->rule) ||
	    snprintf(r->redirect_to, sizeof(r->redirect_to), "%s", m->redirect_to) >=
		(int)sizeof(r->redirect_to) ||
	    snprintf(r->sni, sizeof(r->sni), "%s", m->sni) >= (int)sizeof(r->sni) ||
	    m->addrlen > sizeof(r->up))
		return -EINVAL;
	fd = listen_loopback(&r->port);
	if (fd < 0)
		return fd;
	memcpy(&r->up, &m->addr, m->addrlen);
	r->uplen = m->addrlen;
	r->visibility = m->visibility;
	r->lfd = fd;
	tp->nroutes++;
	wake(tp);
	return r->port;
}

int tlsproxy_route(struct tlsproxy *tp, const struct net_connect_redirect *m)
{
	int port = -ENOSPC;

	if (!tp || !m || m->tls_mode != NET_TLS_REWRITE_SNI || !m->addrlen || !m->redirect_to ||
	    !m->sni || !net_tls_hostname_ok(m->sni, strlen(m->sni)))
		return -EINVAL;
	pthread_mutex_lock(&tp->lock);
	for (int i = 0; i < tp->nroutes && port < 0; i++)
		if (route_same(&tp->routes[i], m))
			port = tp->routes[i].port;
	if (port < 0)
		port = route_add(tp, m);
	pthread_mutex_unlock(&tp->lock);
	return port;
}

const char *tlsproxy_ca_file(const struct tlsproxy *tp)
{
	return tp ? tp->ca_path : NULL;
}

const char *tlsproxy_ca_bundle(const struct tlsproxy *tp)
{
	return tp ? tp->bundle_path : NULL;
}

const char *const *tlsproxy_env_vars(const struct tlsproxy *tp)
{
	return tp ? (const char *const *)tp->env : NULL;
}

/* Shuts every live connection down and waits (bounded) for their threads. */
static void end_conns(struct tlsproxy *tp)
{
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 2 + tp->cfg.handshake_timeout_ms / 1000;
	pthread_mutex_lock(&tp->lock);
	tp->stopping = true;
	for (int i = 0; i < TLS_MAX_CONNS; i++)
		for (int k = 0; k < 2; k++)
			if (tp->conn_fds[i][k] >= 0)
				shutdown(tp->conn_fds[i][k], SHUT_RDWR);
	while (tp->nconns > 0)
		if (pthread_cond_timedwait(&tp->idle, &tp->lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&tp->lock);
}

void tlsproxy_stop(struct tlsproxy *tp)
{
	if (!tp)
		return;
	if (tp->wake_fd >= 0) {
		pthread_mutex_lock(&tp->lock);
		tp->stopping = true;
		pthread_mutex_unlock(&tp->lock);
		wake(tp);
		pthread_join(tp->thread, NULL);
		close(tp->wake_fd);
	}
	end_conns(tp);
	if (tp->nconns > 0) {
		/* a connection thread still holds tp: leak it rather than free under it */
		log_warn("tls proxy: %d connections did not end; not freed", tp->nconns);
		remove_files(tp);
		return;
	}
	for (int i = 0; i < tp->nroutes; i++)
		close(tp->routes[i].lfd);
	remove_files(tp);
	for (size_t i = 0; i < sizeof(tp->env) / sizeof(tp->env[0]); i++)
		free(tp->env[i]);
	SSL_CTX_free(tp->server_ctx);
	SSL_CTX_free(tp->client_ctx);
	tls_ca_free(tp->ca);
	free(tp->upstream_ca_file);
	pthread_cond_destroy(&tp->idle);
	pthread_mutex_destroy(&tp->lock);
	free(tp);
}
