/*
 * ld.so run directly (`ld-linux-x86-64.so.2 PROG ARGS`): the exec is judged
 * as a run of PROG, by the file PROG's name led to at the decision
 * (policy/exec_unwrap.c). But ld.so opens PROG itself afterwards, as an
 * ordinary read, and by then the name may lead elsewhere (a symlink flipped,
 * a directory swapped), or ld.so may find another file than the decision
 * did (a name without a slash is looked up in ld.so's cache, not in the
 * cwd).
 *
 * So until ld.so has opened its program, each open it makes is judged as
 * that exec too, with PROG replaced by the file the open reaches; a deny
 * fails the open (ld.so then fails to load, before any of PROG runs). The
 * open itself runs on the file judged (tracer/pin.c, the notify layer's
 * own open), so what is opened is what was judged. The first open judged
 * so of a file that exists ends the wait; ld.so's cache, which it may read
 * before searching, is no program.
 *
 * The tracer registers a process at its exec event, before ld.so runs; the
 * opens are decided on the tracer's thread or the seccomp-notify one.
 */
#include "compat.h"
#include "enforce_int.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define LDSO_MAX_WAITS 32

struct ldso_wait {
	pid_t pid; /* 0: free */
	char *ldso;
	char **argv;
	int argc;
	int prog; /* argv index of ld.so's program */
};

struct ldso_waits {
	pthread_mutex_t lock;
	unsigned n; /* used slots, read unlocked as a hint */
	unsigned next;
	struct ldso_wait w[LDSO_MAX_WAITS];
};

static void wait_clear(struct ldso_waits *l, struct ldso_wait *w)
{
	for (int i = 0; w->argv && i < w->argc; i++)
		free(w->argv[i]);
	free(w->argv);
	free(w->ldso);
	memset(w, 0, sizeof(*w));
	l->n--;
}

static struct ldso_wait *wait_find(struct ldso_waits *l, pid_t pid)
{
	for (unsigned i = 0; i < LDSO_MAX_WAITS; i++)
		if (l->w[i].pid == pid)
			return &l->w[i];
	return NULL;
}

struct ldso_waits *ldso_waits_new(void)
{
	struct ldso_waits *l = calloc(1, sizeof(*l));

	if (l)
		pthread_mutex_init(&l->lock, NULL);
	return l;
}

void ldso_waits_free(struct ldso_waits *l)
{
	if (!l)
		return;
	for (unsigned i = 0; i < LDSO_MAX_WAITS; i++)
		if (l->w[i].pid)
			wait_clear(l, &l->w[i]);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

void enforce_ldso_forget(struct enforce *e, pid_t pid)
{
	struct ldso_waits *l = e->ldso;
	struct ldso_wait *w;

	if (!l || !__atomic_load_n(&l->n, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&l->lock);
	if ((w = wait_find(l, pid)))
		wait_clear(l, w);
	pthread_mutex_unlock(&l->lock);
}

int enforce_ldso_expect(struct enforce *e, pid_t pid, const char *ldso, char *const *argv, int argc)
{
	struct ldso_waits *l = e->ldso;
	struct ldso_wait *w;
	int k;

	if (!l || !e->p)
		return 0;
	enforce_ldso_forget(e, pid);
	k = policy_exec_payload("ld-linux", (const char *const *)argv, argc);
	if (k <= 0)
		return 0; /* --help, --version, --list-tunables: no program */
	pthread_mutex_lock(&l->lock);
	if (!(w = wait_find(l, 0))) {
		/* All taken by processes that never opened their program
		 * (killed before): the oldest goes. */
		w = &l->w[l->next++ % LDSO_MAX_WAITS];
		wait_clear(l, w);
	}
	w->argv = calloc((size_t)argc + 1, sizeof(*w->argv));
	w->ldso = strdup(ldso);
	for (int i = 0; w->argv && i < argc; i++)
		if ((w->argv[i] = strdup(argv[i])))
			w->argc = i + 1;
	l->n++;
	w->pid = pid;
	w->prog = k;
	if (!w->ldso || w->argc != argc) {
		wait_clear(l, w);
		pthread_mutex_unlock(&l->lock);
		return -ENOMEM;
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	pthread_mutex_unlock(&l->lock);
	return 0;
}

bool enforce_ldso_open(const struct enforce *e, const struct proc_info *pi, const struct op *op,
		       struct verdict *v)
{
	struct ldso_waits *l = e->ldso;
	struct ldso_wait *w;
	struct exec_query q = { 0 };
	struct stat st;
	bool judged = false;

	if (!l || !__atomic_load_n(&l->n, __ATOMIC_ACQUIRE) || !(op->ops & FOP_READ) ||
	    strcmp(op->p1.path, "/etc/ld.so.cache") == 0)
		return false;
	pthread_mutex_lock(&l->lock);
	if ((w = wait_find(l, pi->pid))) {
		char *was = w->argv[w->prog];

		w->argv[w->prog] = (char *)op->p1.path;
		q.filename = w->ldso;
		q.argv = (const char *const *)w->argv;
		q.argc = w->argc;
		q.depth = pi->depth;
		policy_decide_exec(e->p, &q, v);
		w->argv[w->prog] = was;
		judged = true;
		if (v->effective == DECISION_ALLOW && stat(op->p1.path, &st) == 0)
			wait_clear(l, w);
	}
	pthread_mutex_unlock(&l->lock);
	if (!judged || v->effective == DECISION_ALLOW)
		return false;
	if (!v->message[0])
		snprintf(v->message, sizeof(v->message), "ld.so's program, judged as its exec");
	return true;
}
