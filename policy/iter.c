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
