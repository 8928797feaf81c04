/*
 * The network layer behind network decisions (issue 8): the in-process DNS
 * proxy that every port-53 connect/sendto of the tree is sent to, its
 * IP -> domain table consulted at connect, and connect_redirects.
 */
#include "compat.h"
#include "enforce_int.h"
#include "log.h"
#include "net/net.h"
#include "net/tls_proxy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* The TLS proxy of an enforce (struct enforce has no field for it: the lead
 * may move this into enforce_int.h). One per enforce, few enforces. */
#define TLS_SLOTS 8
static struct {
	struct enforce *e;
	struct tlsproxy *tp;
	bool wanted;  /* the policy has rewrite_sni rules */
	bool refused; /* a connect_redirects rule could not be compiled */
} tls_slots[TLS_SLOTS];
static pthread_mutex_t tls_slots_lock = PTHREAD_MUTEX_INITIALIZER;

static int tls_slot(struct enforce *e, bool create)
{
	int i, free_i = -1;

	for (i = 0; i < TLS_SLOTS; i++) {
		if (tls_slots[i].e == e)
			return i;
		if (!tls_slots[i].e && free_i < 0)
			free_i = i;
	}
	if (create && free_i >= 0) {
		tls_slots[free_i].e = e;
		return free_i;
	}
	return -1;
}

static struct tlsproxy *tls_of(struct enforce *e, bool *refused)
{
	struct tlsproxy *tp = NULL;
	int i;

	pthread_mutex_lock(&tls_slots_lock);
	i = tls_slot(e, false);
	if (i >= 0)
		tp = tls_slots[i].tp;
	if (refused)
		*refused = i >= 0 && tls_slots[i].refused;
	pthread_mutex_unlock(&tls_slots_lock);
	return tp;
}

/* Records what enforce_net_start learned; false when no slot is free. */
static bool tls_set(struct enforce *e, struct tlsproxy *tp, bool wanted, bool refused)
{
	int i;

	pthread_mutex_lock(&tls_slots_lock);
	i = tls_slot(e, true);
	if (i >= 0) {
		tls_slots[i].tp = tp;
		tls_slots[i].wanted = wanted;
		tls_slots[i].refused = refused;
	}
	pthread_mutex_unlock(&tls_slots_lock);
	return i >= 0;
}

struct add_ctx {
	struct net_redirects *r;
	bool refused;
};

static void add_dns(void *ctx, const struct policy_dns_redirect_rule *r)
{
	struct net_dns_redirect_rule nr = {r->name, r->match, r->resolve_to, r->visibility,
					   r->on_failure};
	char err[256];

	if (net_redirects_add_dns(ctx, &nr, err, sizeof(err)) < 0)
		log_warn("dns_redirects %s: %s", r->name, err);
}

static void add_connect(void *ctx, const struct policy_connect_redirect_rule *r)
{
	struct net_connect_redirect_rule nr = {
	    .name = r->name,
	    .match = r->match,
	    .redirect_to = r->redirect_to,
	    .redirect_to_unix = r->redirect_to_unix,
	    .tls_mode = r->tls_mode,
	    .tls_sni = r->tls_sni,
	    .visibility = r->visibility,
	    .message = r->message,
	    .on_failure = r->on_failure,
	};
	struct add_ctx *a = ctx;
	char err[256];

	if (net_redirects_add_connect(a->r, &nr, err, sizeof(err)) < 0) {
		/* connects this rule matches are denied (enforce_net_connect_redirect) */
		log_warn("connect_redirects %s: %s", r->name, err);
		a->refused = true;
	}
}

static void note_rewrite_sni(void *ctx, const struct policy_connect_redirect_rule *r)
{
	if (r->tls_mode && strcmp(r->tls_mode, "rewrite_sni") == 0)
		*(bool *)ctx = true;
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

/* With rewrite_sni rules: the TLS proxy and its session CA. A proxy that
 * cannot start leaves those connects denied (tls_of() is NULL). */
static void tls_start(struct enforce *e, bool refused)
{
	struct tlsproxy_config cfg = {.session_id = e->o.session_id,
				      .upstream_ca_file = getenv("AGENTSH_TLS_UPSTREAM_CA"),
				      .on_event = dns_event,
				      .event_ctx = e};
	struct tlsproxy *tp = NULL;
	bool wanted = false;
	int r;

	policy_for_each_connect_redirect(e->p, note_rewrite_sni, &wanted);
	if (!wanted) {
		tls_set(e, NULL, false, refused);
		return;
	}
	if (cfg.upstream_ca_file && !cfg.upstream_ca_file[0])
		cfg.upstream_ca_file = NULL;
	r = tlsproxy_start(&cfg, &tp);
	if (r < 0)
		log_errno(r, "cannot start the TLS proxy: rewrite_sni connects will be denied");
	if (!tls_set(e, tp, true, refused)) {
		log_error("too many sessions in one process: rewrite_sni connects will be denied");
		tlsproxy_stop(tp);
	}
}

static void tls_stop(struct enforce *e)
{
	struct tlsproxy *tp = NULL;
	int i;

	pthread_mutex_lock(&tls_slots_lock);
	i = tls_slot(e, false);
	if (i >= 0) {
		tp = tls_slots[i].tp;
		tls_slots[i].e = NULL;
		tls_slots[i].tp = NULL;
		tls_slots[i].wanted = tls_slots[i].refused = false;
	}
	pthread_mutex_unlock(&tls_slots_lock);
	tlsproxy_stop(tp);
}

int enforce_net_start(struct enforce *e, int port, const char *const *upstreams)
{
	struct dnsproxy_config cfg = {.port = port, .upstreams = upstreams};
	struct add_ctx actx = {0};
	int r;

	if (!e->p)
		return 0;
	e->redirects = net_redirects_new();
	if (!e->redirects)
		return -ENOMEM;
	policy_for_each_dns_redirect(e->p, add_dns, e->redirects);
	actx.r = e->redirects;
	policy_for_each_connect_redirect(e->p, add_connect, &actx);
	cfg.redirects = e->redirects;
	cfg.on_event = dns_event;
	cfg.event_ctx = e;
	dnsproxy_config_use_policy(&cfg, e->p);
	/* The proxy thread inherits this mask: with every signal blocked there,
	 * SIGCHLD and the rest reach the tracer's signalfd, not the proxy. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	tls_start(e, actx.refused);
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
	tls_stop(e);
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

static void redirect_deny(struct decision_out *d, const char *rule, const char *msg)
{
	d->action = ACT_DENY;
	d->err = EACCES;
	d->v.decision = d->v.effective = DECISION_DENY;
	d->v.rule = rule;
	snprintf(d->v.message, sizeof(d->v.message), "%s", msg);
}

/* rewrite_sni: the connect goes to the TLS proxy's listener for this rule. */
static void tls_redirect(struct enforce *e, const struct op *op,
			 const struct net_connect_redirect *m, struct decision_out *d)
{
	struct tlsproxy *tp = tls_of(e, NULL);
	int port = tp ? tlsproxy_route(tp, m) : -ENOTCONN;

	if (port < 0 || retarget(op, d, "127.0.0.1", port) < 0) {
		redirect_deny(d, m->rule,
			      port == -ENOTCONN
				  ? "tls rewrite_sni: the TLS proxy is not running (see the log)"
				  : "tls rewrite_sni: no TLS proxy listener for this rule");
		return;
	}
	d->action = ACT_REDIRECT;
	d->v.decision = d->v.effective = DECISION_REDIRECT;
	d->v.rule = m->rule;
	snprintf(d->v.redirect_path, sizeof(d->v.redirect_path), "%s", m->redirect_to);
	if (m->message)
		snprintf(d->v.message, sizeof(d->v.message), "%s", m->message);
	else
		snprintf(
		    d->v.message, sizeof(d->v.message),
		    "TLS intercepted by the agentsh proxy (127.0.0.1:%d), sent to %s with SNI %s",
		    port, m->redirect_to, m->sni);
}

/* A rule the network layer refused (e.g. rewrite_sni without tls.sni) still
 * matches in the policy: its connects are denied, never sent unredirected. */
static void refused_rule_deny(struct enforce *e, const struct op *op, const char *domain,
			      struct decision_out *d)
{
	struct connect_redirect_match pm;
	bool refused = false;

	tls_of(e, &refused);
	if (!refused)
		return;
	if (!policy_match_connect_redirect(e->p, domain ? domain : op->addr, op->port, &pm) &&
	    !(domain && policy_match_connect_redirect(e->p, op->addr, op->port, &pm)))
		return;
	redirect_deny(d, pm.rule,
		      "this connect_redirects rule is invalid and was not loaded "
		      "(see the log): connect denied");
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
	    !(domain && net_connect_redirect_match(e->redirects, op->addr, op->port, &m))) {
		refused_rule_deny(e, op, domain, d);
		return;
	}
	if (!m.addrlen) {
		/* redirect_to_unix: the tracer gives the fd a unix socket first. */
		struct sockaddr_un *su = (struct sockaddr_un *)d->net_to;
		size_t n = m.redirect_to_unix ? strlen(m.redirect_to_unix) : 0;

		if (!n || n >= sizeof(su->sun_path))
			return;
		memset(su, 0, sizeof(*su));
		su->sun_family = AF_UNIX;
		memcpy(su->sun_path, m.redirect_to_unix, n);
		d->net_to_len = (uint32_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
		if (su->sun_path[0] == '@') {
			su->sun_path[0] = 0; /* abstract: the length counts, no NUL */
			d->net_to_len--;
		}
		d->action = ACT_REDIRECT;
		d->v.decision = d->v.effective = DECISION_REDIRECT;
		d->v.rule = m.rule;
		snprintf(d->v.redirect_path, sizeof(d->v.redirect_path), "unix:%s",
			 m.redirect_to_unix);
		return;
	}
	if (m.tls_mode == NET_TLS_REWRITE_SNI) {
		tls_redirect(e, op, &m, d);
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

static bool env_is_tls_var(const char *kv, const char *const *vars)
{
	size_t k = strcspn(kv, "=");

	for (size_t i = 0; vars[i]; i++)
		if (strncmp(kv, vars[i], k) == 0 && vars[i][k] == '=')
			return true;
	return false;
}

int enforce_net_env(struct enforce *e, char ***envp)
{
	struct tlsproxy *tp = e ? tls_of(e, NULL) : NULL;
	const char *const *vars = tlsproxy_env_vars(tp);
	char **src = *envp ? *envp : environ, **out;
	size_t n = 0, nv = 0, k = 0;

	if (!vars)
		return 0;
	while (src[n])
		n++;
	while (vars[nv])
		nv++;
	out = calloc(n + nv + 1, sizeof(*out));
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < n + nv; i++) {
		const char *kv = i < n ? src[i] : vars[i - n];

		if (i < n && env_is_tls_var(kv, vars))
			continue;
		out[k] = strdup(kv);
		if (!out[k++]) {
			policy_env_free(out);
			return -ENOMEM;
		}
	}
	policy_env_free(*envp);
	*envp = out;
	return 0;
}
