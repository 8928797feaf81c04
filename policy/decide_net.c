/* network_rules and unix_socket_rules: first match wins, default deny. */
#include "compat.h"
#include "glob.h"
#include "internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

struct addr {
	int family;
	unsigned char a[16];
};

static bool parse_ip(const char *s, struct addr *out)
{
	if (!s || !*s)
		return false;
	if (inet_pton(AF_INET, s, out->a) == 1)
		return out->family = AF_INET, true;
	if (inet_pton(AF_INET6, s, out->a) == 1)
		return out->family = AF_INET6, true;
	return false;
}

static bool cidr_contains(const struct cidr *c, const struct addr *a)
{
	int full = c->prefix / 8, rest = c->prefix % 8;

	if (c->family != a->family || memcmp(c->addr, a->a, (size_t)full) != 0)
		return false;
	if (!rest)
		return true;
	return ((c->addr[full] ^ a->a[full]) & (0xff00u >> rest) & 0xff) == 0;
}

static bool net_rule_matches(const struct network_rule *r, const char *domain, size_t dlen,
			     const struct addr *ip, int port)
{
	bool ok;
	size_t i;

	if (r->ports.n) {
		for (i = 0; i < r->ports.n && r->ports.v[i] != port; i++)
			;
		if (i == r->ports.n)
			return false;
	}
	if (r->domains.n) {
		for (ok = false, i = 0; domain && !ok && i < r->domains.n; i++)
			ok = policy_glob_match(r->domain_globs[i], domain, dlen);
		if (!ok)
			return false;
	}
	if (r->cidrs.n) {
		for (ok = false, i = 0; ip && !ok && i < r->cidrs.n; i++)
			ok = cidr_contains(&r->cidr[i], ip);
		if (!ok)
			return false;
	}
	return true;
}

/* Lowercased domain without surrounding spaces or one trailing dot; NULL if none. */
static const char *norm_domain(const char *d, char *buf, size_t cap, size_t *len)
{
	size_t n;

	if (!d)
		return NULL;
	while (*d == ' ' || *d == '\t')
		d++;
	n = strlen(d);
	while (n && (d[n - 1] == ' ' || d[n - 1] == '\t'))
		n--;
	if (n > 1 && d[n - 1] == '.')
		n--;
	if (!n || lower_copy(buf, cap, d, n) < 0)
		return NULL;
	*len = n;
	return buf;
}

void policy_decide_network(const struct policy *p, const struct net_query *q, struct verdict *v)
{
	const struct network_rule *rules = RULES(p, network_rules, struct network_rule);
	char dbuf[1024];
	size_t dlen = 0;
	const char *domain = norm_domain(q->domain, dbuf, sizeof(dbuf), &dlen);
	struct addr ip;
	bool have_ip = parse_ip(q->ip, &ip) || parse_ip(domain, &ip);
	const char *key = NULL;
	size_t klen = 0, nc;
	const uint32_t *cand;

	verdict_init(v);
	if (domain)
		index_domain_key(domain, dlen, &key, &klen);
	cand = index_lookup(&p->net_ix, key, klen, &nc);
	for (size_t c = 0; c < nc; c++) {
		size_t i = cand[c];

		if (!net_rule_matches(&rules[i], domain, dlen, have_ip ? &ip : NULL, q->port))
			continue;
		char port[16];
		struct msg_fields f = {.domain = domain ? domain : q->ip,
				       .remote_addr = q->ip ? q->ip : domain,
				       .remote_port = port};

		snprintf(port, sizeof(port), "%d", q->port);
		verdict_from_rule(p, v, &rules[i].h, false, &f);
		return;
	}
	verdict_default(p, v, DECISION_DENY, "default-deny-network");
}

static unsigned unix_op(const char *op)
{
	static const char *const names[] = {"connect", "bind", "listen", "sendto"};

	for (size_t i = 0; op && i < ARRAY_SIZE(names); i++)
		if (strcasecmp(op, names[i]) == 0)
			return 1u << i;
	return 0;
}

void policy_decide_unix(const struct policy *p, const char *path, const char *operation,
			struct verdict *v)
{
	const struct unix_rule *rules = RULES(p, unix_rules, struct unix_rule);
	unsigned op = unix_op(operation);
	size_t len;

	verdict_init(v);
	if (!path)
		path = "";
	len = strlen(path);
	for (size_t i = 0; op && i < p->unix_rules.n; i++) {
		const struct unix_rule *r = &rules[i];

		if (!(r->ops & op))
			continue;
		for (size_t j = 0; j < r->paths.n; j++)
			if (policy_glob_match(r->globs[j], path, len)) {
				verdict_from_rule(p, v, &r->h, false,
						  &(struct msg_fields){.path = path});
				return;
			}
	}
	verdict_default(p, v, DECISION_DENY, "default-deny-unix");
}
