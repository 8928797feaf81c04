/* A counted set of strings (hash indexed), shared by report and policy generate. */
#ifndef AGENTSH_CLI_REPORT_TALLY_H
#define AGENTSH_CLI_REPORT_TALLY_H

#include <stddef.h>

struct tally_item {
	char *key;
	long count;
	long blocked;
	unsigned long bits; /* caller's flags (e.g. file op bits, ports seen) */
	char *extra;	    /* caller's string (owned, freed with the tally) */
};

struct tally {
	struct tally_item *items;
	size_t len, cap;
	size_t *index; /* open addressing: item index + 1, 0 = empty */
	size_t icap;
};

/* Finds or inserts `key` (count starts at 0). NULL only on allocation failure. */
struct tally_item *tally_get(struct tally *t, const char *key);
/* Finds `key`; NULL if absent. */
struct tally_item *tally_find(const struct tally *t, const char *key);
/* Shorthand: get + count++ (+ blocked++ when blocked). */
struct tally_item *tally_bump(struct tally *t, const char *key, int blocked);
/* Most counted first, then by key. */
void tally_sort_by_count(struct tally *t);
void tally_sort_by_key(struct tally *t);
/* Frees everything; the struct is left empty and reusable. */
void tally_release(struct tally *t);

#endif /* !AGENTSH_CLI_REPORT_TALLY_H */
