/* Building verdicts: decision -> effective decision, rule names, messages. */
#include "compat.h"
#include "internal.h"

#include <stdio.h>

void verdict_init(struct verdict *v)
{
	/* Field by field: clearing the 9 KB of buffers would dominate decision cost. */
	v->decision = DECISION_DENY;
	v->effective = DECISION_DENY;
	v->rule = "";
	v->message[0] = 0;
	v->timeout_ms = 0;
	v->redirect_path[0] = 0;
	v->exec_redirect = NULL;
	v->unwrapped_from[0] = 0;
	v->payload_command[0] = 0;
	v->command_rule = NULL;
	v->redirect_signal = 0;
}

int decision_strictness(enum decision d)
{
	static const int rank[] = {
	    [DECISION_ALLOW] = 0,    [DECISION_AUDIT] = 1,	 [DECISION_APPROVE] = 2,
	    [DECISION_REDIRECT] = 3, [DECISION_SOFT_DELETE] = 3, [DECISION_ABSORB] = 3,
	    [DECISION_DENY] = 4,
	};

	return (unsigned)d < ARRAY_SIZE(rank) ? rank[d] : 4;
}

/* compat.md §1 "Decisions". */
static enum decision effective_of(const struct policy *p, enum decision d, bool file_category)
{
	switch (d) {
	case DECISION_APPROVE:
		return p->opts.enforce_approvals ? DECISION_APPROVE : DECISION_ALLOW;
	case DECISION_REDIRECT:
		return p->opts.enforce_redirects ? DECISION_REDIRECT : DECISION_ALLOW;
	case DECISION_AUDIT:
		return DECISION_ALLOW;
	case DECISION_SOFT_DELETE:
		return file_category ? DECISION_SOFT_DELETE : DECISION_ALLOW;
	default:
		return d;
	}
}

void verdict_from_rule(const struct policy *p, struct verdict *v, const struct rule_head *h,
		       bool file_category, const struct msg_fields *f)
{
	if (h->decision.invalid) {
		v->decision = v->effective = DECISION_DENY;
		v->rule = "invalid-policy-decision";
		snprintf(v->message, sizeof(v->message), "invalid decision in policy");
		return;
	}
	v->decision = h->decision.d;
	v->effective = effective_of(p, h->decision.d, file_category);
	v->rule = h->name ? h->name : "";
	v->timeout_ms = h->timeout_ms;
	verdict_fill_message(v, h->message, f);
}

void verdict_default(const struct policy *p, struct verdict *v, enum decision d, const char *rule)
{
	v->decision = d;
	v->effective = effective_of(p, d, false);
	v->rule = rule;
	v->message[0] = 0;
}

static size_t put(char *dst, size_t cap, size_t at, const char *s, size_t n)
{
	if (at >= cap)
		return at;
	if (n > cap - 1 - at)
		n = cap - 1 - at;
	memcpy(dst + at, s, n);
	return at + n;
}

/* Matches "{{.Name}}" (spaces allowed inside the braces) at s; returns its length. */
static size_t template_field(const char *s, const char *name)
{
	const char *q = s + 2;
	size_t n = strlen(name);

	while (*q == ' ')
		q++;
	if (*q != '.' || strncmp(q + 1, name, n) != 0)
		return 0;
	q += 1 + n;
	while (*q == ' ')
		q++;
	return q[0] == '}' && q[1] == '}' ? (size_t)(q + 2 - s) : 0;
}

void verdict_fill_message(struct verdict *v, const char *msg, const struct msg_fields *f)
{
	const struct {
		const char *name, *value;
	} fields[] = {
	    {"Path", f->path},	   {"Command", f->command},	   {"Args", f->args},
	    {"Domain", f->domain}, {"RemoteAddr", f->remote_addr}, {"RemotePort", f->remote_port},
	};
	size_t at = 0;

	if (!msg) {
		v->message[0] = 0;
		return;
	}
	while (*msg) {
		const char *open = strstr(msg, "{{");
		size_t i, n = 0;

		if (!open)
			open = msg + strlen(msg);
		at = put(v->message, sizeof(v->message), at, msg, (size_t)(open - msg));
		if (!*open)
			break;
		for (i = 0; i < ARRAY_SIZE(fields) && !(n = template_field(open, fields[i].name));
		     i++)
			;
		if (n && fields[i].value)
			at = put(v->message, sizeof(v->message), at, fields[i].value,
				 strlen(fields[i].value));
		else if (!n)
			at = put(v->message, sizeof(v->message), at, open, n = 2);
		msg = open + n;
	}
	v->message[at] = 0;
}
