/* Read-only queries for accelerating backends (enforce/backends.c). */
#include "compat.h"
#include "tracer_int.h"
#include "scratch.h"

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

enum tracee_creds tracer_creds_state(struct tracer *t, pid_t tid)
{
	struct tracee *tr = tracee_find(t->tt, tid);

	return tr ? (enum tracee_creds)tr->creds : TRACEE_CREDS_UNKNOWN;
}

bool tracer_mm_shared(struct tracer *t, pid_t tid)
{
	struct tracee *tr = tracee_find(t->tt, tid);

	return !tr || scratch_mm_shared(tr->mm);
}

bool tracer_files_shared(struct tracer *t, pid_t tid)
{
	struct tracee *tr = tracee_find(t->tt, tid);

	return !tr || tr->files_shared;
}

void tracer_creds_set(struct tracer *t, pid_t tid, enum tracee_creds c)
{
	struct tracee *tr = tracee_find(t->tt, tid);

	if (tr)
		tr->creds = (uint8_t)c;
}

const char *tracer_root_hint(struct tracer *t, pid_t tid, bool *dircache)
{
	struct tracee *tr = tracee_find(t->tt, tid);

	/* The directory cache is cleared by the renames and symlinks the
	 * tracer decodes: only while it sees them. */
	*dircache = t->o.trace_file && t->have_openat2;
	return tr ? scratch_mm_root(tr->mm, tr->tgid) : NULL;
}
