#include "compat.h"
#include "tracer.h"

#define BUCKETS 4096

struct tracee_table {
	struct tracee *b[BUCKETS];
	unsigned n;
};

static unsigned bucket(pid_t tid)
{
	return (unsigned)tid % BUCKETS;
}

struct tracee_table *tracee_table_new(void)
{
	return calloc(1, sizeof(struct tracee_table));
}

void tracee_table_free(struct tracee_table *tt)
{
	if (!tt)
		return;
	for (unsigned i = 0; i < BUCKETS; i++) {
		struct tracee *t = tt->b[i], *n;
		for (; t; t = n) {
			n = t->hnext;
			free(t);
		}
	}
	free(tt);
}

struct tracee *tracee_find(struct tracee_table *tt, pid_t tid)
{
	struct tracee *t = tt->b[bucket(tid)];

	while (t && t->tid != tid)
		t = t->hnext;
	return t;
}

struct tracee *tracee_add(struct tracee_table *tt, pid_t tid)
{
	struct tracee *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->tid = t->tgid = tid;
	t->depth = -1;
	t->slot = -1;
	t->hnext = tt->b[bucket(tid)];
	tt->b[bucket(tid)] = t;
	tt->n++;
	return t;
}

void tracee_remove(struct tracee_table *tt, pid_t tid)
{
	struct tracee **pp = &tt->b[bucket(tid)];

	for (; *pp; pp = &(*pp)->hnext) {
		if ((*pp)->tid == tid) {
			struct tracee *t = *pp;
			*pp = t->hnext;
			free(t);
			tt->n--;
			return;
		}
	}
}

unsigned tracee_count(const struct tracee_table *tt)
{
	return tt->n;
}

void tracee_foreach(struct tracee_table *tt, void (*fn)(struct tracee *, void *), void *ctx)
{
	for (unsigned i = 0; i < BUCKETS; i++) {
		struct tracee *t = tt->b[i], *n;
		for (; t; t = n) {
			n = t->hnext;
			fn(t, ctx);
		}
	}
}
