/*
 * network_rules -> the eBPF rule table. Only what the kernel can decide exactly:
 * CIDRs and ports, no domains, no address rewriting. A kernel layer must never
 * refuse what the policy allows, so any rule it cannot express leaves eBPF out.
 *
 * The CIDRs are read from the compiled policy (policy/internal.h): plan_export.c
 * has no accessor for them yet (owner of policy/: policy_export_net_cidr wanted).
 */
#include "compat.h"
#include "enforce/ebpf.h"
#include "enforce/plan.h"
#include "policy/internal.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

static void cidr_words(const struct cidr *c, struct ebpf_cidr *out)
{
	unsigned char mask[16] = { 0 };
	int bytes = c->family == AF_INET ? 4 : 16;
	int off = 16 - bytes; /* IPv4 lives in word 3, as the program stores it */

	memset(out, 0, sizeof(*out));
	out->family = (__u32)c->family;
	for (int b = 0; b < c->prefix && b < bytes * 8; b++)
		mask[off + b / 8] |= (unsigned char)(0x80u >> (b % 8));
	for (int w = 0; w < 4; w++) {
		unsigned char net[4];

		for (int k = 0; k < 4; k++) {
			int i = w * 4 + k;
			net[k] = i >= off ? (unsigned char)(c->addr[i - off] & mask[i]) : 0;
		}
		memcpy(&out->net[w], net, 4);
		memcpy(&out->mask[w], mask + w * 4, 4);
	}
}

static int rule_build(const struct network_rule *r, struct ebpf_rule *out, char *why,
		      size_t why_len)
{
	const char *name = r->h.name ? r->h.name : "?";

	memset(out, 0, sizeof(*out));
	if (r->domains.n)
		return snprintf(why, why_len, "network rule '%s' names domains", name), -EINVAL;
	if (r->h.decision.d == DECISION_REDIRECT)
		return snprintf(why, why_len, "network rule '%s' redirects", name), -EINVAL;
	if (r->ports.n > EBPF_MAX_PORTS || r->cidrs.n > EBPF_MAX_CIDRS)
		return snprintf(why, why_len, "network rule '%s' has too many ports or cidrs",
				name),
		       -E2BIG;
	/* approve holds in the tracer, which runs first; the kernel lets it through */
	out->verdict = r->h.decision.d == DECISION_DENY ? EBPF_DENY : EBPF_ALLOW;
	for (size_t k = 0; k < r->ports.n; k++) {
		if (r->ports.v[k] < 0 || r->ports.v[k] > 65535)
			return snprintf(why, why_len, "network rule '%s': port %ld", name,
					r->ports.v[k]),
			       -EINVAL;
		out->ports[out->nports++] = (__u16)r->ports.v[k];
	}
	for (size_t k = 0; k < r->cidrs.n; k++)
		cidr_words(&r->cidr[k], &out->cidrs[out->ncidrs++]);
	return 0;
}

int ebpf_rules_build(const struct policy *p, struct ebpf_rule *rules, size_t cap, size_t *n,
		     __u32 *default_verdict, char *why, size_t why_len)
{
	const struct network_rule *nr = RULES(p, network_rules, struct network_rule);

	*n = 0;
	*default_verdict = EBPF_DENY; /* default-deny-network */
	if (policy_export_count(p, PLAN_SEC_CONNECT_REDIRECT) ||
	    policy_export_count(p, PLAN_SEC_DNS_REDIRECT))
		return snprintf(why, why_len, "connect/dns redirects rewrite addresses"), -EINVAL;
	if (p->network_rules.n > cap)
		return snprintf(why, why_len, "more than %zu network rules", cap), -E2BIG;
	for (size_t i = 0; i < p->network_rules.n; i++) {
		int r = rule_build(&nr[i], &rules[i], why, why_len);

		if (r)
			return r;
		*n = i + 1;
	}
	return 0;
}
