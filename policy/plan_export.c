/*
 * Read-only view of the compiled rules for the backend planner (enforce/plan.c).
 * Declared in enforce/plan.h; only primitive types cross the boundary so policy/
 * includes nothing from enforce/.
 */
#include "compat.h"
#include "internal.h"

enum { PX_FILE, PX_NETWORK, PX_COMMAND, PX_UNIX, PX_SIGNAL, PX_CONNECT_REDIRECT, PX_DNS_REDIRECT };

size_t policy_export_count(const struct policy *p, int section);
int policy_export_head(const struct policy *p, int section, size_t i, const char **name,
		       enum decision *d);
int policy_export_file_rule(const struct policy *p, size_t i, const struct policy_vars *vars,
			    unsigned *ops, bool *redirect, char **paths, size_t cap,
			    size_t *npaths);
int policy_export_net_rule(const struct policy *p, size_t i, long *ports, size_t cap,
			   size_t *nports, size_t *ndomains, size_t *ncidrs);

static const struct objlist *section_of(const struct policy *p, int section, size_t *elem)
{
	switch (section) {
	case PX_FILE:
		*elem = sizeof(struct file_rule);
		return &p->file_rules;
	case PX_NETWORK:
		*elem = sizeof(struct network_rule);
		return &p->network_rules;
	case PX_COMMAND:
		*elem = sizeof(struct command_rule);
		return &p->command_rules;
	case PX_UNIX:
		*elem = sizeof(struct unix_rule);
		return &p->unix_rules;
	case PX_SIGNAL:
		*elem = sizeof(struct signal_rule);
		return &p->signal_rules;
	case PX_CONNECT_REDIRECT:
		*elem = sizeof(struct connect_redirect);
		return &p->connect_redirects;
	case PX_DNS_REDIRECT:
		*elem = sizeof(struct dns_redirect);
		return &p->dns_redirects;
	default:
		return NULL;
	}
}

size_t policy_export_count(const struct policy *p, int section)
{
	size_t elem;
	const struct objlist *l = p ? section_of(p, section, &elem) : NULL;

	return l ? l->n : 0;
}

/* Every rule struct starts with its rule_head. */
int policy_export_head(const struct policy *p, int section, size_t i, const char **name,
		       enum decision *d)
{
	size_t elem;
	const struct objlist *l = section_of(p, section, &elem);
	const struct rule_head *h;

	if (!l || i >= l->n || section > PX_SIGNAL)
		return -ENOENT;
	h = (const struct rule_head *)((const char *)l->v + i * elem);
	*name = h->name ? h->name : "";
	*d = h->decision.invalid ? DECISION_DENY : h->decision.d;
	return 0;
}

/* paths[] receive malloc'd expanded patterns (the caller frees them). */
int policy_export_file_rule(const struct policy *p, size_t i, const struct policy_vars *vars,
			    unsigned *ops, bool *redirect, char **paths, size_t cap,
			    size_t *npaths)
{
	const struct file_rule *r;
	char msg[256];

	if (i >= p->file_rules.n)
		return -ENOENT;
	r = &RULES(p, file_rules, struct file_rule)[i];
	*ops = r->ops;
	*redirect = r->redirect_to != NULL;
	*npaths = 0;
	for (size_t k = 0; k < r->paths.n; k++) {
		char *s = policy_expand_vars(r->paths.v[k], vars, msg, sizeof(msg));

		if (!s)
			return -EINVAL;
		if (*npaths >= cap) {
			free(s);
			return -E2BIG;
		}
		paths[(*npaths)++] = s;
	}
	return 0;
}

int policy_export_net_rule(const struct policy *p, size_t i, long *ports, size_t cap,
			   size_t *nports, size_t *ndomains, size_t *ncidrs)
{
	const struct network_rule *r;

	if (i >= p->network_rules.n)
		return -ENOENT;
	r = &RULES(p, network_rules, struct network_rule)[i];
	*nports = 0;
	for (size_t k = 0; k < r->ports.n; k++) {
		if (*nports >= cap)
			return -E2BIG;
		ports[(*nports)++] = r->ports.v[k];
	}
	*ndomains = r->domains.n;
	*ncidrs = r->cidrs.n;
	return 0;
}
