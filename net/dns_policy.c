/* The DNS proxy's decisions from the policy engine: each query is the
 * network op {operation "dns", domain}. Kept apart from dnsproxy.c so that
 * net/ links policy/ only when this glue is used. */
#include "compat.h"

#include "net.h"
#include "policy/policy.h"

static void dns_policy_decide(void *ctx, const char *domain, struct verdict *v)
{
	const struct net_query q = { .domain = domain, .operation = "dns" };

	policy_decide_network(ctx, &q, v);
}

void dnsproxy_config_use_policy(struct dnsproxy_config *cfg, const struct policy *p)
{
	cfg->decide = p ? dns_policy_decide : NULL;
	cfg->decide_ctx = (void *)p;
}
