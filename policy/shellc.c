/* Submit-time check of a command given to exec, with the sh -c pre-check. */
#include "compat.h"
#include "exec.h"

void policy_decide_submit(const struct policy *p, const struct exec_query *q, struct verdict *v)
{
	struct cmd_subject s;

	if (cmd_subject_init(&s, q->filename, q->argc > 1 ? q->argv + 1 : NULL,
			     q->argc > 1 ? q->argc - 1 : 0) < 0) {
		verdict_init(v);
		verdict_default(p, v, DECISION_DENY, "default-deny-commands");
		return;
	}
	policy_decide_one(p, &s, 0, "default-deny-commands", v);
	cmd_subject_release(&s);
}
