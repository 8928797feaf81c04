/* Read-only views of compiled rules for enforcement backends. */
#include "compat.h"
#include "internal.h"

void policy_for_each_protected_pattern(const struct policy *p, const struct policy_vars *vars,
				       void (*fn)(void *ctx, const char *pattern), void *ctx)
{
	const struct file_rule *r = p->file_rules.v;
	char err[256];

	for (size_t i = 0; i < p->file_rules.n; i++) {
		enum decision d = r[i].h.decision.d;

		if (!r[i].h.decision.invalid && (d == DECISION_ALLOW || d == DECISION_AUDIT))
			continue;
		for (size_t j = 0; j < r[i].paths.n; j++) {
			char *s = policy_expand_vars(r[i].paths.v[j], vars, err, sizeof(err));
			if (!s)
				continue;
			fn(ctx, s);
			free(s);
		}
	}
}

void policy_for_each_dns_redirect(const struct policy *p,
				  void (*fn)(void *ctx, const struct policy_dns_redirect_rule *r),
				  void *ctx)
{
	const struct dns_redirect *d = p->dns_redirects.v;

	for (size_t i = 0; i < p->dns_redirects.n; i++) {
		struct policy_dns_redirect_rule r = { d[i].name, d[i].match, d[i].resolve_to,
						      d[i].visibility, d[i].on_failure };
		fn(ctx, &r);
	}
}

void policy_for_each_connect_redirect(
	const struct policy *p, void (*fn)(void *ctx, const struct policy_connect_redirect_rule *r),
	void *ctx)
{
	const struct connect_redirect *c = p->connect_redirects.v;

	for (size_t i = 0; i < p->connect_redirects.n; i++) {
		struct policy_connect_redirect_rule r = {
			c[i].name,	     c[i].match,    c[i].redirect_to, c[i].redirect_to_unix,
			c[i].tls.mode,	     c[i].tls.sni,  c[i].visibility,  c[i].message,
			c[i].on_failure,
		};
		fn(ctx, &r);
	}
}

/* True when the exec verdict's command rule narrows the environment itself. */
bool policy_verdict_has_env_rules(const struct verdict *v)
{
	const struct command_rule *r = v ? v->command_rule : NULL;

	return r && (r->env_allow.n || r->env_deny.n || r->env_max_bytes > 0 ||
		     r->env_max_keys > 0);
}
