/* Read-only queries for accelerating backends (enforce/backends.c). */
#include "compat.h"
#include "tracer_int.h"

int tracer_proc_info(struct tracer *t, pid_t tid, pid_t *tgid, pid_t *ppid, int *depth)
{
	struct tracee *tr = tracee_find(t->tt, tid);

	if (!tr)
		return -ESRCH;
	*tgid = tr->tgid;
	*ppid = tr->ppid;
	*depth = tr->depth;
	return 0;
}
