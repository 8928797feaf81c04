/* signal_rules: signal sets, target relations, first match wins, default deny. */
#include "compat.h"
#include "glob.h"
#include "internal.h"

#include <signal.h>
#include <stdio.h>

static const struct {
	const char *name;
	int sig;
} sig_names[] = {
    {"HUP", SIGHUP},	   {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT}, {"IOT", SIGIOT},	     {"BUS", SIGBUS},
    {"FPE", SIGFPE},	   {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
    {"USR2", SIGUSR2},	   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
    {"TSTP", SIGTSTP},	   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
    {"XCPU", SIGXCPU},	   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
    {"SYS", SIGSYS},
};

#define BIT(s) (1ull << ((s)-1))

static const struct {
	const char *name;
	uint64_t mask;
} sig_groups[] = {
    {"@fatal", BIT(SIGKILL) | BIT(SIGTERM) | BIT(SIGQUIT) | BIT(SIGABRT)},
    {"@job", BIT(SIGSTOP) | BIT(SIGCONT) | BIT(SIGTSTP) | BIT(SIGTTIN) | BIT(SIGTTOU)},
    {"@reload", BIT(SIGHUP) | BIT(SIGUSR1) | BIT(SIGUSR2)},
    {"@ignore", BIT(SIGCHLD) | BIT(SIGURG) | BIT(SIGWINCH)},
    {"@all", ~0ull},
};

/* "TERM", "SIGTERM", "sigterm", "15" -> 15; 0 if unknown. */
int policy_signal_parse(const char *s)
{
	char *end;
	long n;

	if (*s >= '0' && *s <= '9') {
		n = strtol(s, &end, 10);
		return (*end || n < 1 || n > 63) ? 0 : (int)n;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(sig_names); i++)
		if (strcasecmp(s, sig_names[i].name) == 0)
			return sig_names[i].sig;
	return 0;
}

static int signals_mask(const char *file, struct signal_rule *r, struct policy_error *err)
{
	for (size_t i = 0; i < r->signals.n; i++) {
		const char *s = r->signals.v[i];
		size_t g;
		int sig;

		for (g = 0; g < ARRAY_SIZE(sig_groups); g++)
			if (strcasecmp(s, sig_groups[g].name) == 0)
				break;
		if (g < ARRAY_SIZE(sig_groups)) {
			r->sigmask |= sig_groups[g].mask;
			continue;
		}
		if (!(sig = policy_signal_parse(s)))
			return policy_errorf(err, file, r->signals.pos[i],
					     "signal_rules \"%s\": unknown signal or group \"%s\"",
					     r->h.name ? r->h.name : "", s);
		r->sigmask |= BIT(sig);
	}
	return 0;
}

static int compile_target(const char *file, struct signal_rule *r, struct policy_error *err)
{
	const struct signal_target_raw *t = &r->target;
	const char *name = r->h.name ? r->h.name : "";
	char msg[256];

	if (!t->type || !*t->type)
		return policy_errorf(err, file, r->h.pos,
				     "signal_rules \"%s\": target.type is required", name);
	if (strcmp(t->type, "process") == 0) {
		r->tkind = ST_PROCESS;
		if (!t->pattern || !*t->pattern)
			return policy_errorf(
			    err, file, t->pos,
			    "signal_rules \"%s\": target type process needs a pattern", name);
		if (!(r->process = policy_glob_compile(t->pattern, '/', msg, sizeof(msg))))
			return policy_errorf(err, file, t->pos,
					     "signal_rules \"%s\": bad pattern \"%s\": %s", name,
					     t->pattern, msg);
		return 0;
	}
	if (strcmp(t->type, "pid_range") == 0) {
		r->tkind = ST_PID_RANGE;
		if (t->min < 0 || t->max < t->min)
			return policy_errorf(err, file, t->pos,
					     "signal_rules \"%s\": pid_range needs 0 <= min <= max",
					     name);
		return 0;
	}
	r->tkind = ST_REL;
	if (!(r->relations = sig_rel_parse(t->type)))
		return policy_errorf(err, file, t->pos,
				     "signal_rules \"%s\": unknown target type \"%s\"", name,
				     t->type);
	return 0;
}

int policy_compile_signal_rule(const char *file, struct policy *p, struct signal_rule *r,
			       struct policy_error *err)
{
	const char *name = r->h.name ? r->h.name : "";
	enum decision fb;
	int e;

	if (!r->h.decision.text || !decision_parse(r->h.decision.text, &r->h.decision.d)) {
		r->h.decision.invalid = true;
		r->h.decision.d = DECISION_DENY;
		policy_warn(p, "%s:%d:%d: signal_rules \"%s\": unknown decision \"%s\" (it denies)",
			    file, r->h.pos.line, r->h.pos.col, name,
			    r->h.decision.text ? r->h.decision.text : "");
	}
	if (r->h.decision.d == DECISION_SOFT_DELETE)
		return policy_errorf(err, file, r->h.decision.pos,
				     "signal_rules \"%s\": soft_delete is not a signal decision",
				     name);
	if ((e = signals_mask(file, r, err)) < 0 || (e = compile_target(file, r, err)) < 0)
		return e;
	if (!r->signals.n)
		policy_warn(p, "%s:%d:%d: signal_rules \"%s\": no signals listed, it never matches",
			    file, r->h.pos.line, r->h.pos.col, name);
	if (r->fallback && *r->fallback && !decision_parse(r->fallback, &fb))
		return policy_errorf(err, file, r->h.pos,
				     "signal_rules \"%s\": unknown fallback decision \"%s\"", name,
				     r->fallback);
	if (r->redirect_to && *r->redirect_to &&
	    !(r->redirect_sig = policy_signal_parse(r->redirect_to)))
		return policy_errorf(err, file, r->h.pos,
				     "signal_rules \"%s\": redirect_to: unknown signal \"%s\"",
				     name, r->redirect_to);
	if (r->h.decision.d == DECISION_REDIRECT && !r->redirect_sig)
		return policy_errorf(
		    err, file, r->h.pos,
		    "signal_rules \"%s\": decision redirect needs redirect_to (a signal)", name);
	return 0;
}

static bool target_matches(const struct signal_rule *r, const struct signal_query *q)
{
	switch (r->tkind) {
	case ST_REL:
		return (r->relations & q->relations) != 0;
	case ST_PROCESS:
		return q->target_comm && policy_glob_match_str(r->process, q->target_comm);
	case ST_PID_RANGE:
		return q->target_pid >= r->target.min && q->target_pid <= r->target.max;
	}
	return false;
}

void policy_decide_signal(const struct policy *p, const struct signal_query *q, struct verdict *v)
{
	const struct signal_rule *rules = RULES(p, signal_rules, struct signal_rule);

	verdict_init(v);
	for (size_t i = 0; q->sig >= 1 && q->sig <= 64 && i < p->signal_rules.n; i++) {
		const struct signal_rule *r = &rules[i];

		if (!(r->sigmask & BIT(q->sig)) || !target_matches(r, q))
			continue;
		verdict_from_rule(p, v, &r->h, false,
				  &(struct msg_fields){.command = q->target_comm});
		if (v->effective == DECISION_REDIRECT)
			v->redirect_signal = r->redirect_sig;
		return;
	}
	verdict_default(p, v, DECISION_DENY, "");
}
