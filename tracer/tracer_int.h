/* Internals shared by the tracer/ sources. */
#ifndef AGENTSH_TRACER_INT_H
#define AGENTSH_TRACER_INT_H

#include "tracer.h"
#include "enforce/enforce.h"

#include <linux/sched.h>

struct tracer {
	struct tracer_opts o;
	struct enforce *enf;
	struct tracee_table *tt;
	struct prefilter *pf;
	struct op op; /* scratch: one op decoded at a time */
	struct tracer_stats stats;
	int sigfd;
	int wakefd;
	pid_t root_pid;
	pid_t self_pid;
	unsigned nheld; /* tracees held for an approval */
	struct {
		int fd;
		tracer_fd_cb cb;
		void *ctx;
	} extra[8];
	int nextra;
	bool root_done;
	int root_status;
};

int tracer_loop(struct tracer *t);
void tracer_resume(struct tracer *t, struct tracee *tr, int sig);
void tracer_on_syscall(struct tracer *t, struct tracee *tr);
void tracer_on_approvals(struct tracer *t);
void tracer_check_deadlines(struct tracer *t);
int64_t tracer_next_deadline(struct tracer *t);
int64_t tracer_now_ms(void);
/* tracer/actions.c: verdicts that change what the syscall does. */
void tracer_soft_delete(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op,
			const struct decision_out *d);
void tracer_redirect(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op,
		     const struct decision_out *d);
int tracer_redirect_exec(struct tracer *t, struct tracee *tr, const struct op *op,
			 const struct decision_out *d);
void tracer_fail_syscall(struct tracer *t, struct tracee *tr, bool at_seccomp, int64_t ret);

#endif /* !AGENTSH_TRACER_INT_H */
