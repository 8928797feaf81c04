/* Rule index (see index.h). */
#include "compat.h"
#include "index.h"

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h;
}

int index_keys_add(struct index_keys *k, const char *key, size_t len)
{
	const char **nk = realloc(k->key, (k->n + 1) * sizeof(*nk));
	size_t *nl;

	if (!nk)
		return -ENOMEM;
	k->key = nk;
	if (!(nl = realloc(k->len, (k->n + 1) * sizeof(*nl))))
		return -ENOMEM;
	k->len = nl;
	k->key[k->n] = key;
	k->len[k->n++] = len;
	return 0;
}

void index_keys_release(struct index_keys *k)
{
	free(k->key);
	free(k->len);
	*k = (struct index_keys){0};
}

static struct index_bucket *slot_for(const struct rule_index *ix, const char *key, size_t len)
{
	size_t mask = ix->nslots - 1, i = hash(key, len) & mask;

	for (;; i = (i + 1) & mask) {
		struct index_bucket *b = &ix->slots[i];

		if (!b->key || (b->len == len && memcmp(b->key, key, len) == 0))
			return b;
	}
}

static int push(uint32_t **v, size_t *n, uint32_t x)
{
	uint32_t *nv;

	if (*n && (*v)[*n - 1] == x)
		return 0;
	if (!(nv = realloc(*v, (*n + 1) * sizeof(*nv))))
		return -ENOMEM;
	*v = nv;
	(*v)[(*n)++] = x;
	return 0;
}

/* Adds rule r to the bucket of key, creating it with every earlier wildcard rule. */
static int file_rule(struct rule_index *ix, const char *key, size_t len, uint32_t r)
{
	struct index_bucket *b = slot_for(ix, key, len);

	if (!b->key) {
		if (!(b->key = malloc(len + 1)))
			return -ENOMEM;
		memcpy(b->key, key, len);
		b->key[len] = 0;
		b->len = len;
		for (size_t i = 0; i < ix->nwild; i++)
			if (push(&b->rules, &b->n, ix->wild[i]) < 0)
				return -ENOMEM;
	}
	return push(&b->rules, &b->n, r);
}

int index_build(struct rule_index *ix, const struct index_keys *k, size_t nrules)
{
	size_t nkeys = 0;

	*ix = (struct rule_index){.nrules = nrules};
	for (size_t i = 0; i < nrules; i++)
		nkeys += k[i].n;
	for (ix->nslots = 8; ix->nslots < 2 * nkeys + 2; ix->nslots *= 2)
		;
	if (!(ix->slots = calloc(ix->nslots, sizeof(*ix->slots))))
		return -ENOMEM;
	/* Rules in order: a wildcard rule joins every bucket made so far and the
	 * wildcard list (copied into buckets created later). */
	for (uint32_t r = 0; r < nrules; r++) {
		if (k[r].wild) {
			if (push(&ix->wild, &ix->nwild, r) < 0)
				return -ENOMEM;
			for (size_t s = 0; s < ix->nslots; s++)
				if (ix->slots[s].key &&
				    push(&ix->slots[s].rules, &ix->slots[s].n, r) < 0)
					return -ENOMEM;
			continue;
		}
		for (size_t j = 0; j < k[r].n; j++)
			if (file_rule(ix, k[r].key[j], k[r].len[j], r) < 0)
				return -ENOMEM;
	}
	return 0;
}

void index_release(struct rule_index *ix)
{
	for (size_t i = 0; ix->slots && i < ix->nslots; i++) {
		free(ix->slots[i].key);
		free(ix->slots[i].rules);
	}
	free(ix->slots);
	free(ix->wild);
	*ix = (struct rule_index){0};
}

const uint32_t *index_lookup(const struct rule_index *ix, const char *key, size_t len, size_t *n)
{
	const struct index_bucket *b;

	if (key && ix->slots) {
		b = slot_for(ix, key, len);
		if (b->key) {
			*n = b->n;
			return b->rules;
		}
	}
	*n = ix->nwild;
	return ix->wild;
}

bool index_path_key(const char *s, size_t n, const char **key, size_t *klen)
{
	const char *slash;

	if (!n || s[0] != '/')
		return false;
	slash = memchr(s + 1, '/', n - 1);
	*key = s + 1;
	*klen = slash ? (size_t)(slash - s - 1) : n - 1;
	return true;
}

void index_domain_key(const char *s, size_t n, const char **key, size_t *klen)
{
	size_t dots = 0, i = n;

	while (i > 0) {
		if (s[i - 1] == '.' && ++dots == 2)
			break;
		i--;
	}
	*key = s + i;
	*klen = n - i;
}
