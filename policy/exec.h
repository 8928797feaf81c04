/* Command matching shared by the execve-time check, unwrapping and sh -c. */
#ifndef AGENTSH_POLICY_EXEC_H
#define AGENTSH_POLICY_EXEC_H

#include "internal.h"

/* One command as the rules see it: lowercased name, args without argv[0]. */
struct cmd_subject {
	const char *command;	    /* as given */
	char full[4096];	    /* lowercased */
	size_t full_len, full_norm; /* *_norm: length without a ".real" suffix */
	const char *base;
	size_t base_len, base_norm;
	const char *const *args;
	int nargs;
	char *joined; /* args joined by " ", built on first use */
	size_t joined_len;
	char joined_buf[1024];
};

int cmd_subject_init(struct cmd_subject *s, const char *command, const char *const *args,
		     int nargs);
void cmd_subject_release(struct cmd_subject *s);
const char *cmd_subject_args(struct cmd_subject *s, size_t *len);

const struct command_rule *policy_match_command(const struct policy *p, struct cmd_subject *s,
						int depth);
void verdict_from_command(const struct policy *p, struct verdict *v, const struct command_rule *r,
			  struct cmd_subject *s);
/* Returns true when a rule matched (false: v holds the default). */
bool policy_decide_one(const struct policy *p, struct cmd_subject *s, int depth,
		       const char *default_rule, struct verdict *v);

/* exec_unwrap.c */
void policy_decide_execve(const struct policy *p, const struct exec_query *q, struct verdict *v);
bool policy_is_transparent(const struct policy *p, const char *base, size_t len);
/* shellc.c */
void policy_decide_submit(const struct policy *p, const struct exec_query *q, struct verdict *v);

#endif /* !AGENTSH_POLICY_EXEC_H */
