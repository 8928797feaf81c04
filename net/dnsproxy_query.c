/*
 * One DNS query through the proxy: policy decision ("dns" network op on the
 * queried name), dns_redirects, forwarding upstream with c-ares, filling the
 * IP -> domain table from the answer, and the audit event.
 */
#include "compat.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <stdio.h>

#include "dnsproxy_int.h"
#include "log.h"
#include "policy/policy.h"

#define MAX_EVENT_ANSWERS 16
#define REDIRECT_TTL 60

/* By enum decision; kept here so net/ does not link policy/ for a name. */
static const char *const decision_names[] = {
	[DECISION_ALLOW] = "allow",	  [DECISION_DENY] = "deny",
	[DECISION_APPROVE] = "approve",	  [DECISION_REDIRECT] = "redirect",
	[DECISION_AUDIT] = "audit",	  [DECISION_SOFT_DELETE] = "soft_delete",
	[DECISION_ABSORB] = "absorb",
};

static const struct {
	int rcode;
	const char *name;
} rcode_names[] = {
	{ DNS_RCODE_NOERROR, "NOERROR" },   { DNS_RCODE_FORMERR, "FORMERR" },
	{ DNS_RCODE_SERVFAIL, "SERVFAIL" }, { DNS_RCODE_NXDOMAIN, "NXDOMAIN" },
	{ DNS_RCODE_NOTIMP, "NOTIMP" },	    { DNS_RCODE_REFUSED, "REFUSED" },
};

/* The verdict as the event reports it. */
struct decided {
	const char *decision, *effective, *rule;
	char message[256];
};

/* A query waiting for its upstream answer. */
struct pending {
	struct dnsproxy *d;
	struct reply_to to;
	struct dns_question q;
	struct decided v;
	size_t qlen;
	uint8_t query[];
};

struct answers {
	struct dnsproxy *d;
	const char *domain;
	size_t n;
	char ip[MAX_EVENT_ANSWERS][INET6_ADDRSTRLEN];
};

static const char *decision_str(enum decision dec)
{
	return (size_t)dec < ARRAY_SIZE(decision_names) && decision_names[dec] ?
		       decision_names[dec] :
		       "deny";
}

static const char *rcode_str(int rcode)
{
	for (size_t i = 0; i < ARRAY_SIZE(rcode_names); i++)
		if (rcode_names[i].rcode == rcode)
			return rcode_names[i].name;
	return "OTHER";
}

static void event_client(cJSON *fields, const struct reply_to *to)
{
	char ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 8];
	int port = 0;

	if (net_sockaddr_format((const struct sockaddr *)&to->peer, to->peerlen, ip, sizeof(ip),
				&port) == 0) {
		snprintf(buf, sizeof(buf), strchr(ip, ':') ? "[%s]:%d" : "%s:%d", ip, port);
		cJSON_AddStringToObject(fields, "client", buf);
	}
	cJSON_AddStringToObject(fields, "transport", to->tcp ? "tcp" : "udp");
}

static void event_policy(cJSON *ev, const struct decided *v)
{
	cJSON *pol = cJSON_AddObjectToObject(ev, "policy");

	cJSON_AddStringToObject(pol, "decision", v->decision);
	cJSON_AddStringToObject(pol, "effective_decision", v->effective);
	cJSON_AddStringToObject(pol, "rule", v->rule);
	cJSON_AddStringToObject(pol, "message", v->message);
}

static void event_emit(struct dnsproxy *d, cJSON *ev)
{
	char *s = cJSON_PrintUnformatted(ev);

	if (s && d->cfg.on_event)
		d->cfg.on_event(d->cfg.event_ctx, s);
	free(s);
	cJSON_Delete(ev);
}

/* A ptrace_network event for the query with its outcome. */
static void event_query(struct dnsproxy *d, const struct dns_question *q, const struct decided *v,
			const struct reply_to *to, int rcode, const struct answers *a)
{
	cJSON *ev = cJSON_CreateObject(), *fields;

	if (!ev || !d->cfg.on_event) {
		cJSON_Delete(ev);
		return;
	}
	cJSON_AddStringToObject(ev, "type", "ptrace_network");
	cJSON_AddStringToObject(ev, "source", "dns_proxy");
	cJSON_AddStringToObject(ev, "operation", "dns");
	cJSON_AddStringToObject(ev, "domain", q->name);
	event_policy(ev, v);
	fields = cJSON_AddObjectToObject(ev, "fields");
	cJSON_AddNumberToObject(fields, "qtype", q->qtype);
	cJSON_AddStringToObject(fields, "rcode", rcode_str(rcode));
	if (a) {
		cJSON *arr = cJSON_AddArrayToObject(fields, "answers");

		for (size_t i = 0; i < a->n; i++)
			cJSON_AddItemToArray(arr, cJSON_CreateString(a->ip[i]));
	}
	event_client(fields, to);
	event_emit(d, ev);
}

static void event_redirect(struct dnsproxy *d, const struct dns_question *q,
			   const struct net_dns_redirect *rd, const struct reply_to *to)
{
	struct decided v = { .decision = "redirect", .effective = "redirect", .rule = rd->rule };
	cJSON *ev, *fields;

	if (rd->visibility == NET_VIS_SILENT)
		return;
	if (rd->visibility == NET_VIS_WARN)
		log_warn("dns redirect: %s resolved to %s (rule %s)", q->name, rd->resolve_to,
			 rd->rule);
	ev = cJSON_CreateObject();
	if (!ev || !d->cfg.on_event) {
		cJSON_Delete(ev);
		return;
	}
	cJSON_AddStringToObject(ev, "type", "dns_redirect");
	cJSON_AddStringToObject(ev, "source", "dns_proxy");
	cJSON_AddStringToObject(ev, "operation", "dns");
	cJSON_AddStringToObject(ev, "domain", q->name);
	event_policy(ev, &v);
	fields = cJSON_AddObjectToObject(ev, "fields");
	cJSON_AddStringToObject(fields, "rule", rd->rule);
	cJSON_AddStringToObject(fields, "original_host", q->name);
	cJSON_AddStringToObject(fields, "resolved_to", rd->resolve_to);
	cJSON_AddStringToObject(fields, "visibility", net_visibility_name(rd->visibility));
	cJSON_AddNumberToObject(fields, "qtype", q->qtype);
	event_client(fields, to);
	event_emit(d, ev);
}

static uint64_t table_ttl_ms(const struct dnsproxy *d, uint32_t ttl)
{
	if (!d->cfg.ttl_exact) {
		if (ttl < d->cfg.ttl_min_s)
			ttl = d->cfg.ttl_min_s;
		if (ttl > d->cfg.ttl_max_s)
			ttl = d->cfg.ttl_max_s;
	}
	return (uint64_t)ttl * 1000;
}

static void answer_note(void *ctx, int family, const uint8_t *addr, uint32_t ttl)
{
	struct answers *a = ctx;

	dns_table_put(a->d->table, addr, family == AF_INET ? 4 : 16, a->domain,
		      table_ttl_ms(a->d, ttl));
	if (a->n < MAX_EVENT_ANSWERS && inet_ntop(family, addr, a->ip[a->n], INET6_ADDRSTRLEN))
		a->n++;
}

static void reply_error(struct dnsproxy *d, const uint8_t *pkt, const struct dns_question *q,
			int rcode, const struct reply_to *to)
{
	uint8_t out[DNS_HDR + DNS_NAME_MAX + 8];
	int n = dns_packet_reply_error(pkt, q, rcode, out, sizeof(out));

	if (n > 0)
		dnsproxy_send_reply(d, to, out, (size_t)n);
}

static void upstream_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct pending *p = arg;
	struct dnsproxy *d = p->d;
	struct answers a = { .d = d, .domain = p->q.name };
	int rcode;

	if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
		free(p);
		return;
	}
	rcode = status == ARES_SUCCESS ? dns_packet_answers(abuf, (size_t)alen, answer_note, &a) : -1;
	if (rcode < 0 || alen < DNS_HDR) {
		event_query(d, &p->q, &p->v, &p->to, DNS_RCODE_SERVFAIL, NULL);
		reply_error(d, p->query, &p->q, DNS_RCODE_SERVFAIL, &p->to);
		free(p);
		return;
	}
	abuf[0] = (uint8_t)(p->q.id >> 8); /* the client's id, not c-ares' */
	abuf[1] = (uint8_t)p->q.id;
	/* the event first: it is recorded before the program can act on the answer */
	event_query(d, &p->q, &p->v, &p->to, rcode, &a);
	dnsproxy_send_reply(d, &p->to, abuf, (size_t)alen);
	free(p);
}

static void forward(struct dnsproxy *d, const uint8_t *pkt, size_t len,
		    const struct dns_question *q, const struct decided *v, const struct reply_to *to)
{
	struct pending *p = malloc(sizeof(*p) + len);

	if (!p) {
		reply_error(d, pkt, q, DNS_RCODE_SERVFAIL, to);
		return;
	}
	*p = (struct pending){ .d = d, .to = *to, .q = *q, .v = *v, .qlen = len };
	memcpy(p->query, pkt, len);
	ares_send(d->ch, p->query, (int)len, upstream_done, p);
}

/* Answer a dns_redirect: the address for a matching family, else NODATA. */
static int redirect_reply(struct dnsproxy *d, const uint8_t *pkt, const struct dns_question *q,
			  const struct net_dns_redirect *rd, const struct reply_to *to)
{
	uint8_t addr[16], out[DNS_HDR + DNS_NAME_MAX + 64];
	size_t alen = rd->family == AF_INET ? 4 : 16;
	bool fits = (rd->family == AF_INET && q->qtype == DNS_TYPE_A) ||
		    (rd->family == AF_INET6 && q->qtype == DNS_TYPE_AAAA);
	int n;

	if (inet_pton(rd->family, rd->resolve_to, addr) != 1)
		return -EINVAL;
	n = dns_packet_reply_address(pkt, q, fits ? addr : NULL, alen, REDIRECT_TTL, out,
				     sizeof(out));
	if (n < 0)
		return n;
	dns_table_put(d->table, addr, alen, q->name, table_ttl_ms(d, REDIRECT_TTL));
	event_redirect(d, q, rd, to);
	dnsproxy_send_reply(d, to, out, (size_t)n);
	return 0;
}

static void decide(struct dnsproxy *d, const char *name, struct decided *out, bool *deny)
{
	struct verdict v;

	memset(&v, 0, sizeof(v));
	v.rule = "";
	if (d->cfg.decide)
		d->cfg.decide(d->cfg.decide_ctx, name, &v);
	out->decision = decision_str(v.decision);
	out->effective = decision_str(v.effective);
	out->rule = v.rule ? v.rule : "";
	size_t mlen = strnlen(v.message, sizeof(out->message) - 1);

	memcpy(out->message, v.message, mlen);
	out->message[mlen] = '\0';
	/* approve and redirect resolve: the connect() that follows is where
	 * they are acted on */
	*deny = v.effective == DECISION_DENY;
}

void dnsproxy_handle_query(struct dnsproxy *d, const uint8_t *pkt, size_t len,
			   const struct reply_to *to_in)
{
	struct dns_question q;
	struct reply_to to = *to_in;
	struct decided v;
	struct net_dns_redirect rd;
	bool deny;
	int r = dns_packet_question(pkt, len, &q);

	if (r < 0) {
		if (q.qend) /* the question parsed: reply NOTIMP; else drop */
			reply_error(d, pkt, &q, DNS_RCODE_NOTIMP, &to);
		return;
	}
	to.udp_max = dns_packet_udp_size(pkt, len, &q);
	decide(d, q.name, &v, &deny);
	if (deny) {
		event_query(d, &q, &v, &to, d->cfg.deny_rcode, NULL);
		reply_error(d, pkt, &q, d->cfg.deny_rcode, &to);
		return;
	}
	if (net_dns_redirect_match(d->cfg.redirects, q.name, &rd)) {
		if (redirect_reply(d, pkt, &q, &rd, &to) == 0)
			return;
		log_warn("dns redirect %s for %s failed (%s)", rd.rule, q.name,
			 net_on_failure_name(rd.on_failure));
		if (rd.on_failure == NET_FAIL_CLOSED) {
			reply_error(d, pkt, &q, DNS_RCODE_SERVFAIL, &to);
			return;
		}
	}
	forward(d, pkt, len, &q, &v, &to);
}
