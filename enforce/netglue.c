/*
 * The network layer behind network decisions (issue 8): the in-process DNS
 * proxy that every port-53 connect/sendto of the tree is sent to, its
 * IP -> domain table consulted at connect, and connect_redirects.
 */
#include "compat.h"
#include "enforce_int.h"
#include "log.h"
#include "net/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>

static void add_dns(void *ctx, const struct policy_dns_redirect_rule *r)
{
	struct net_dns_redirect_rule nr = { r->name, r->match, r->resolve_to, r->visibility,
					    r->on_failure };
	char err[256];

	if (net_redirects_add_dns(ctx, &nr, err, sizeof(err)) < 0)
		log_warn("dns_redirects %s: %s", r->name, err);
}

static void add_connect(void *ctx, const struct policy_connect_redirect_rule *r)
{
	struct net_connect_redirect_rule nr = {
		.name = r->name,		 .match = r->match,	   .redirect_to = r->redirect_to,
		.redirect_to_unix = r->redirect_to_unix, .tls_mode = r->tls_mode, .tls_sni = r->tls_sni,
		.visibility = r->visibility,	 .message = r->message,    .on_failure = r->on_failure,
	};
	char err[256];

	if (net_redirects_add_connect(ctx, &nr, err, sizeof(err)) < 0)
		log_warn("connect_redirects %s: %s", r->name, err);
}

/* Proxy events come from its thread: written under the same lock. */
static void dns_event(void *ctx, const char *json)
{
	struct enforce *e = ctx;
	size_t n = strlen(json);
	char *line = malloc(n + 2);

	if (!line)
		return;
	memcpy(line, json, n + 1);
	enforce_write_line(e, line);
	free(line);
}

int enforce_net_start(struct enforce *e, int port, const char *const *upstreams)
{
	struct dnsproxy_config cfg = { .port = port, .upstreams = upstreams };
	int r;

	if (!e->p)
		return 0;
	e->redirects = net_redirects_new();
	if (!e->redirects)
		return -ENOMEM;
	policy_for_each_dns_redirect(e->p, add_dns, e->redirects);
	policy_for_each_connect_redirect(e->p, add_connect, e->redirects);
	cfg.redirects = e->redirects;
	cfg.on_event = dns_event;
	cfg.event_ctx = e;
	dnsproxy_config_use_policy(&cfg, e->p);
	/* The proxy thread inherits this mask: with every signal blocked there,
	 * SIGCHLD and the rest reach the tracer's signalfd, not the proxy. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	r = dnsproxy_start(&cfg, &e->dns);
	if (r == -EADDRINUSE && port) {
		/* Another session holds the configured port: any free one works,
		 * since the tracer sends the tree's DNS wherever the proxy is. */
		cfg.port = 0;
		r = dnsproxy_start(&cfg, &e->dns);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r)
		return log_errno(r, "cannot start the DNS proxy: domain rules see no names");
	log_info("dns proxy on 127.0.0.1:%d", dnsproxy_port(e->dns));
	return 0;
}

void enforce_net_stop(struct enforce *e)
{
	dnsproxy_stop(e->dns);
	e->dns = NULL;
	net_redirects_free(e->redirects);
	e->redirects = NULL;
}

const char *enforce_net_domain(struct enforce *e, const char *ip, char *out, size_t cap)
{
	return e->dns && ip && ip[0] ? dnsproxy_domain_for_ip(e->dns, ip, out, cap) : NULL;
}

static int retarget(const struct op *op, struct decision_out *d, const char *ip, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = op->sa_len;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, op->sa_raw, op->sa_len < sizeof(ss) ? op->sa_len : sizeof(ss));
	if (net_sockaddr_retarget(&ss, &len, ip, port) < 0)
		return -EINVAL;
	memcpy(d->net_to, &ss, len);
	d->net_to_len = len;
	return 0;
}

/* Port 53 anywhere goes to the proxy, which decides each query. */
bool enforce_net_dns(struct enforce *e, const struct op *op, struct decision_out *d)
{
	if (!e->dns || op->kind != OP_NET || op->port != 53 ||
	    strcmp(op->net_op ? op->net_op : "", "bind") == 0)
		return false;
	if (retarget(op, d, "127.0.0.1", dnsproxy_port(e->dns)) < 0)
		return false;
	d->action = ACT_REDIRECT;
	d->v.decision = d->v.effective = DECISION_REDIRECT;
	d->v.rule = "dns-proxy";
	snprintf(d->v.redirect_path, sizeof(d->v.redirect_path), "127.0.0.1:%d",
		 dnsproxy_port(e->dns));
	snprintf(d->v.message, sizeof(d->v.message), "DNS to %s:53 answered by the agentsh proxy",
		 op->addr);
	return true;
}

/* connect_redirects to an address; unix targets cannot replace an inet
 * socket at connect() and are refused rather than silently ignored. */
void enforce_net_connect_redirect(struct enforce *e, const struct op *op, const char *domain,
				  struct decision_out *d)
{
	struct net_connect_redirect m;
	char ip[64];
	int port = 0;

	if (!e->redirects || op->kind != OP_NET || strcmp(op->net_op ? op->net_op : "", "connect"))
		return;
	if (!net_connect_redirect_match(e->redirects, domain ? domain : op->addr, op->port, &m) &&
	    !(domain && net_connect_redirect_match(e->redirects, op->addr, op->port, &m)))
		return;
	if (!m.addrlen) {
		d->action = ACT_DENY;
		d->err = EACCES;
		d->v.decision = d->v.effective = DECISION_DENY;
		d->v.rule = m.rule;
		snprintf(d->v.message, sizeof(d->v.message),
			 "redirect_to_unix is not supported for inet sockets in ptrace mode");
		return;
	}
	if (net_sockaddr_format((const struct sockaddr *)&m.addr, m.addrlen, ip, sizeof(ip),
				&port) < 0 ||
	    retarget(op, d, ip, port) < 0)
		return;
	d->action = ACT_REDIRECT;
	d->v.decision = d->v.effective = DECISION_REDIRECT;
	d->v.rule = m.rule;
	snprintf(d->v.redirect_path, sizeof(d->v.redirect_path), "%s", m.redirect_to);
	if (m.message)
		snprintf(d->v.message, sizeof(d->v.message), "%s", m.message);
}
