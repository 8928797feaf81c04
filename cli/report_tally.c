#include "compat.h"
#include "report_tally.h"

static size_t tally_hash(const char *s)
{
	size_t h = 1469598103934665603ull; /* FNV-1a */

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static void tally_index_put(struct tally *t, size_t i)
{
	size_t h = tally_hash(t->items[i].key) & (t->icap - 1);

	while (t->index[h])
		h = (h + 1) & (t->icap - 1);
	t->index[h] = i + 1;
}

static int tally_reindex(struct tally *t, size_t icap)
{
	size_t *idx = calloc(icap, sizeof(*idx));

	if (!idx)
		return -ENOMEM;
	free(t->index);
	t->index = idx;
	t->icap = icap;
	for (size_t i = 0; i < t->len; i++)
		tally_index_put(t, i);
	return 0;
}

struct tally_item *tally_find(const struct tally *t, const char *key)
{
	size_t h;

	if (!t->icap)
		return NULL;
	for (h = tally_hash(key) & (t->icap - 1); t->index[h]; h = (h + 1) & (t->icap - 1))
		if (strcmp(t->items[t->index[h] - 1].key, key) == 0)
			return &t->items[t->index[h] - 1];
	return NULL;
}

static int tally_grow(struct tally *t)
{
	size_t cap = t->cap ? t->cap * 2 : 16;
	struct tally_item *items = realloc(t->items, cap * sizeof(*items));

	if (!items)
		return -ENOMEM;
	t->items = items;
	t->cap = cap;
	return tally_reindex(t, cap * 2);
}

struct tally_item *tally_get(struct tally *t, const char *key)
{
	struct tally_item *it = tally_find(t, key);

	if (it)
		return it;
	if (t->len == t->cap && tally_grow(t) < 0)
		return NULL;
	it = &t->items[t->len];
	*it = (struct tally_item){.key = strdup(key)};
	if (!it->key)
		return NULL;
	tally_index_put(t, t->len++);
	return it;
}

struct tally_item *tally_bump(struct tally *t, const char *key, int blocked)
{
	struct tally_item *it = tally_get(t, key);

	if (it) {
		it->count++;
		it->blocked += blocked ? 1 : 0;
	}
	return it;
}

static int cmp_count(const void *a, const void *b)
{
	const struct tally_item *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct tally_item *)a)->key, ((const struct tally_item *)b)->key);
}

void tally_sort_by_count(struct tally *t)
{
	if (t->len)
		qsort(t->items, t->len, sizeof(*t->items), cmp_count);
	if (t->icap)
		tally_reindex(t, t->icap);
}

void tally_sort_by_key(struct tally *t)
{
	if (t->len)
		qsort(t->items, t->len, sizeof(*t->items), cmp_key);
	if (t->icap)
		tally_reindex(t, t->icap);
}

void tally_release(struct tally *t)
{
	for (size_t i = 0; i < t->len; i++) {
		free(t->items[i].key);
		free(t->items[i].extra);
	}
	free(t->items);
	free(t->index);
	*t = (struct tally){0};
}
