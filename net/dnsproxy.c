/*
 * The DNS proxy's thread: UDP and TCP listeners on 127.0.0.1, one poll()
 * loop over them, the c-ares sockets and a wake eventfd. The tracer thread
 * only touches the IP -> domain table (its own mutex).
 */
#include "compat.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <time.h>

#include "dnsproxy_int.h"
#include "log.h"

#define POLL_MAX (3 + PROXY_MAX_TCP + PROXY_MAX_ARES_FDS)

uint64_t dnsproxy_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- c-ares ------------------------------------------------------------- */

static void proxy_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	struct dnsproxy *d = data;
	size_t i;

	for (i = 0; i < d->nafd && d->afd[i].fd != fd; i++)
		;
	if (!readable && !writable) {
		if (i < d->nafd)
			d->afd[i] = d->afd[--d->nafd];
		return;
	}
	if (i == d->nafd) {
		if (d->nafd == PROXY_MAX_ARES_FDS) {
			log_warn("dns proxy: too many upstream sockets, ignoring fd %d", fd);
			return;
		}
		d->nafd++;
	}
	d->afd[i] = (struct ares_fd){ .fd = fd, .r = readable, .w = writable };
}

static void proxy_ares_once(void)
{
	ares_library_init(ARES_LIB_INIT_ALL);
}

/* "a:1", "b:2" -> "a:1,b:2" (IPv6 as "[v6]:port", as c-ares wants). */
static int proxy_upstreams_csv(const char *const *ups, char *csv, size_t cap)
{
	size_t o = 0;

	csv[0] = '\0';
	for (size_t i = 0; ups && ups[i]; i++) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int n;

		if (net_sockaddr_parse(ups[i], 53, &ss, &sl) < 0)
			return log_errno(-EINVAL, "dns upstream \"%s\" is not ip:port", ups[i]);
		n = snprintf(csv + o, cap - o, "%s%s", o ? "," : "", ups[i]);
		if (n < 0 || (size_t)n >= cap - o)
			return -E2BIG;
		o += (size_t)n;
	}
	return 0;
}

static int proxy_ares_init(struct dnsproxy *d)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct ares_options o = {
		.flags = ARES_FLAG_NOCHECKRESP | ARES_FLAG_NOSEARCH,
		.timeout = (int)d->cfg.upstream_timeout_ms,
		.tries = 2,
		.sock_state_cb = proxy_sock_state,
		.sock_state_cb_data = d,
	};
	char csv[2048];
	int r;

	pthread_once(&once, proxy_ares_once);
	r = proxy_upstreams_csv(d->cfg.upstreams, csv, sizeof(csv));
	if (r < 0)
		return r;
	r = ares_init_options(&d->ch, &o,
			      ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
				      ARES_OPT_SOCK_STATE_CB);
	if (r != ARES_SUCCESS) {
		log_error("dns proxy: c-ares init: %s", ares_strerror(r));
		return -ENOMEM;
	}
	if (csv[0] && (r = ares_set_servers_ports_csv(d->ch, csv)) != ARES_SUCCESS) {
		log_error("dns proxy: upstreams \"%s\": %s", csv, ares_strerror(r));
		return -EINVAL;
	}
	return 0;
}

/* ---- sockets ------------------------------------------------------------ */

static int proxy_bind(int type, const char *addr, int port, int *out_port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, fd;

	if (net_sockaddr_parse(addr, port, &ss, &sl) < 0)
		return -EINVAL;
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (type == SOCK_STREAM)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0)) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		*out_port = ntohs(((struct sockaddr_in *)&ss)->sin_port); /* same offset in sin6 */
	return fd;
}

/* UDP and TCP on the same port; an ephemeral UDP port may be taken for TCP. */
static int proxy_listen(struct dnsproxy *d)
{
	const char *addr = d->cfg.listen_addr ? d->cfg.listen_addr : "127.0.0.1";

	for (int attempt = 0; attempt < 16; attempt++) {
		int port = 0, r;

		d->udp_fd = proxy_bind(SOCK_DGRAM, addr, d->cfg.port, &port);
		/* A busy configured port is the caller's to handle (it retries
		 * with an ephemeral one): no message on the command's stderr. */
		if (d->udp_fd == -EADDRINUSE)
			return -EADDRINUSE;
		if (d->udp_fd < 0)
			return log_errno(d->udp_fd, "dns proxy: bind udp %s:%d", addr, d->cfg.port);
		d->tcp_fd = proxy_bind(SOCK_STREAM, addr, port, &r);
		if (d->tcp_fd >= 0) {
			d->port = port;
			return 0;
		}
		r = d->tcp_fd;
		d->udp_fd = safe_close(d->udp_fd);
		if (r == -EADDRINUSE && d->cfg.port)
			return -EADDRINUSE;
		if (r != -EADDRINUSE)
			return log_errno(r, "dns proxy: bind tcp %s:%d", addr, port);
	}
	return -EADDRINUSE;
}

void dnsproxy_send_reply(struct dnsproxy *d, const struct reply_to *to, const uint8_t *buf,
			 size_t len)
{
	uint8_t tc[DNS_HDR + DNS_NAME_MAX + 8];

	if (!to->tcp) {
		if (len > to->udp_max) {
			int n = dns_packet_truncated(buf, len, tc, sizeof(tc));

			if (n < 0)
				return;
			buf = tc;
			len = (size_t)n;
		}
		sendto(d->udp_fd, buf, len, MSG_DONTWAIT, (const struct sockaddr *)&to->peer,
		       to->peerlen);
		return;
	}
	for (size_t i = 0; i < PROXY_MAX_TCP; i++) {
		struct tcp_conn *c = d->tcp[i];
		uint8_t hdr[2] = { (uint8_t)(len >> 8), (uint8_t)len };
		struct iovec iov[2] = { { hdr, 2 }, { (void *)buf, len } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

		if (!c || c->id != to->conn_id)
			continue;
		/* a reply on loopback fits the socket buffer; a client that does
		 * not read loses its connection */
		if (sendmsg(c->fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)(len + 2))
			c->last_ms = 0;
		return;
	}
}

static void proxy_udp_read(struct dnsproxy *d)
{
	for (int i = 0; i < 64; i++) {
		struct reply_to to = { .tcp = false, .peerlen = sizeof(to.peer) };
		ssize_t n = recvfrom(d->udp_fd, d->rx, sizeof(d->rx), 0,
				     (struct sockaddr *)&to.peer, &to.peerlen);

		if (n < 0)
			return;
		dnsproxy_handle_query(d, d->rx, (size_t)n, &to);
	}
}

static void proxy_tcp_accept(struct dnsproxy *d)
{
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);
	int fd = accept4(d->tcp_fd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	size_t i;

	if (fd < 0)
		return;
	for (i = 0; i < PROXY_MAX_TCP && d->tcp[i]; i++)
		;
	struct tcp_conn *c = i < PROXY_MAX_TCP ? malloc(sizeof(*c)) : NULL;

	if (!c) {
		close(fd);
		return;
	}
	*c = (struct tcp_conn){ .fd = fd, .id = ++d->next_conn_id, .peer = peer, .peerlen = pl,
				.last_ms = dnsproxy_now_ms() };
	d->tcp[i] = c;
}

static void proxy_tcp_close(struct dnsproxy *d, size_t i)
{
	close(d->tcp[i]->fd);
	free(d->tcp[i]);
	d->tcp[i] = NULL;
}

/* Read what is there; handle each complete length-prefixed message. */
static void proxy_tcp_read(struct dnsproxy *d, size_t i)
{
	struct tcp_conn *c = d->tcp[i];
	ssize_t n = read(c->fd, c->buf + c->have, sizeof(c->buf) - c->have);

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR))
			proxy_tcp_close(d, i);
		return;
	}
	c->have += (size_t)n;
	c->last_ms = dnsproxy_now_ms();
	while (c->have >= 2) {
		size_t mlen = ((size_t)c->buf[0] << 8) | c->buf[1];
		struct reply_to to = { .tcp = true, .conn_id = c->id, .peer = c->peer,
				       .peerlen = c->peerlen };

		if (c->have < 2 + mlen)
			break;
		dnsproxy_handle_query(d, c->buf + 2, mlen, &to);
		c->have -= 2 + mlen;
		memmove(c->buf, c->buf + 2 + mlen, c->have);
	}
}

/* ---- the loop ----------------------------------------------------------- */

static int proxy_poll_timeout(struct dnsproxy *d)
{
	struct timeval tv, *t = ares_timeout(d->ch, NULL, &tv);
	int ms = 1000; /* also the TCP idle sweep period */

	if (t && t->tv_sec * 1000 + t->tv_usec / 1000 < ms)
		ms = (int)(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
	return ms;
}

static size_t proxy_fill_pollfds(struct dnsproxy *d, struct pollfd *p, size_t *tcp_base,
				 size_t *ares_base)
{
	size_t n = 0;

	p[n++] = (struct pollfd){ .fd = d->wake_fd, .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = d->udp_fd, .events = POLLIN };
	p[n++] = (struct pollfd){ .fd = d->tcp_fd, .events = POLLIN };
	*tcp_base = n;
	for (size_t i = 0; i < PROXY_MAX_TCP; i++)
		p[n++] = (struct pollfd){ .fd = d->tcp[i] ? d->tcp[i]->fd : -1, .events = POLLIN };
	*ares_base = n;
	for (size_t i = 0; i < d->nafd; i++)
		p[n++] = (struct pollfd){ .fd = d->afd[i].fd,
					  .events = (short)((d->afd[i].r ? POLLIN : 0) |
							    (d->afd[i].w ? POLLOUT : 0)) };
	return n;
}

static void proxy_tcp_sweep(struct dnsproxy *d)
{
	uint64_t now = dnsproxy_now_ms();

	for (size_t i = 0; i < PROXY_MAX_TCP; i++)
		if (d->tcp[i] && now - d->tcp[i]->last_ms > PROXY_TCP_IDLE_MS)
			proxy_tcp_close(d, i);
}

/* Returns false when asked to stop. */
static bool proxy_iterate(struct dnsproxy *d)
{
	struct pollfd p[POLL_MAX];
	struct ares_fd af[PROXY_MAX_ARES_FDS];
	size_t tcp_base, ares_base, n = proxy_fill_pollfds(d, p, &tcp_base, &ares_base);
	size_t naf = d->nafd;

	memcpy(af, d->afd, sizeof(af)); /* callbacks below may change d->afd */
	if (poll(p, n, proxy_poll_timeout(d)) < 0 && errno != EINTR)
		return log_errno(-errno, "dns proxy: poll"), false;
	if (p[0].revents)
		return false;
	for (size_t i = 0; i < naf; i++) {
		short ev = p[ares_base + i].revents;

		if (ev)
			ares_process_fd(d->ch, ev & (POLLIN | POLLERR | POLLHUP) ? af[i].fd : ARES_SOCKET_BAD,
					ev & POLLOUT ? af[i].fd : ARES_SOCKET_BAD);
	}
	ares_process_fd(d->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
	if (p[1].revents)
		proxy_udp_read(d);
	if (p[2].revents)
		proxy_tcp_accept(d);
	for (size_t i = 0; i < PROXY_MAX_TCP; i++)
		if (d->tcp[i] && p[tcp_base + i].fd == d->tcp[i]->fd && p[tcp_base + i].revents)
			proxy_tcp_read(d, i);
	proxy_tcp_sweep(d);
	return true;
}

static void *proxy_thread(void *arg)
{
	struct dnsproxy *d = arg;

	while (proxy_iterate(d))
		;
	return NULL;
}

/* ---- public ------------------------------------------------------------- */

static void proxy_defaults(struct dnsproxy_config *c)
{
	if (!c->deny_rcode)
		c->deny_rcode = DNS_RCODE_NXDOMAIN;
	if (!c->ttl_min_s && !c->ttl_exact)
		c->ttl_min_s = 5;
	if (!c->ttl_max_s)
		c->ttl_max_s = 86400;
	if (!c->upstream_timeout_ms)
		c->upstream_timeout_ms = 2000;
}

int dnsproxy_start(const struct dnsproxy_config *cfg, struct dnsproxy **out)
{
	struct dnsproxy *d = calloc(1, sizeof(*d));
	int r;

	*out = NULL;
	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	d->udp_fd = d->tcp_fd = d->wake_fd = -1;
	proxy_defaults(&d->cfg);
	if (d->cfg.deny_rcode != DNS_RCODE_NXDOMAIN && d->cfg.deny_rcode != DNS_RCODE_REFUSED)
		r = -EINVAL;
	else if (!(d->table = dns_table_new(PROXY_TABLE_MAX)))
		r = -ENOMEM;
	else if ((r = proxy_ares_init(d)) == 0 && (r = proxy_listen(d)) == 0)
		r = (d->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ? -errno : 0;
	if (r == 0) {
		r = -pthread_create(&d->thread, NULL, proxy_thread, d);
		d->thread_started = r == 0;
	}
	if (r < 0) {
		dnsproxy_stop(d);
		return r;
	}
	d->cfg.upstreams = NULL; /* the caller's strings are not kept */
	*out = d;
	return 0;
}

int dnsproxy_port(const struct dnsproxy *d)
{
	return d ? d->port : -EINVAL;
}

const char *dnsproxy_domain_for_ip(struct dnsproxy *d, const char *ip, char *out, size_t outlen)
{
	if (!d || !out || dns_table_get(d->table, ip, out, outlen) < 0)
		return NULL;
	return out;
}

int dnsproxy_note(struct dnsproxy *d, const char *ip, const char *domain, unsigned ttl_s)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	if (!d || !domain || net_sockaddr_parse(ip, 0, &ss, &sl) < 0)
		return -EINVAL;
	if (ss.ss_family == AF_INET)
		return dns_table_put(d->table, (uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr, 4,
				     domain, (uint64_t)ttl_s * 1000);
	return dns_table_put(d->table, ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr, 16, domain,
			     (uint64_t)ttl_s * 1000);
}

void dnsproxy_stop(struct dnsproxy *d)
{
	uint64_t one = 1;

	if (!d)
		return;
	if (d->thread_started) {
		if (write(d->wake_fd, &one, sizeof(one)) < 0)
			log_warn("dns proxy: wake: %s", strerror(errno));
		pthread_join(d->thread, NULL);
	}
	if (d->ch)
		ares_destroy(d->ch); /* pending queries end with ARES_EDESTRUCTION */
	for (size_t i = 0; i < PROXY_MAX_TCP; i++)
		if (d->tcp[i])
			proxy_tcp_close(d, i);
	safe_close(d->udp_fd);
	safe_close(d->tcp_fd);
	safe_close(d->wake_fd);
	dns_table_free(d->table);
	free(d);
}
