/*
 * A first-match-preserving rule index: each rule is filed under the keys it
 * can possibly match (a path's first segment, a domain's last two labels, a
 * command's basename) or as a wildcard. A lookup returns, in rule order, the
 * rules filed under the subject's key plus every wildcard rule, so a
 * decision only runs the matchers of rules that could match.
 */
#ifndef AGENTSH_POLICY_INDEX_H
#define AGENTSH_POLICY_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct index_bucket {
	char *key;
	size_t len;
	uint32_t *rules; /* ascending */
	size_t n;
};

struct rule_index {
	struct index_bucket *slots; /* open addressing, nslots a power of two */
	size_t nslots;
	uint32_t *wild; /* ascending */
	size_t nwild;
	size_t nrules;
};

/* One rule's keys while building: wild, or keys[0..n). */
struct index_keys {
	bool wild;
	size_t n;
	const char **key;
	size_t *len;
};

int index_keys_add(struct index_keys *k, const char *key, size_t len);
void index_keys_release(struct index_keys *k);

/* Builds from nrules key sets (k[i] for rule i). 0 or -ENOMEM. */
int index_build(struct rule_index *ix, const struct index_keys *k, size_t nrules);
void index_release(struct rule_index *ix);
/* The candidate rules for key (NULL key: only the wildcard rules). */
const uint32_t *index_lookup(const struct rule_index *ix, const char *key, size_t len, size_t *n);

/* Key helpers, shared by the builders and the lookups. */
/* First segment of an absolute path: "/usr/lib" -> "usr"; false if not absolute. */
bool index_path_key(const char *s, size_t n, const char **key, size_t *klen);
/* Last two labels of a domain: "a.b.example.com" -> "example.com". */
void index_domain_key(const char *s, size_t n, const char **key, size_t *klen);

#endif /* !AGENTSH_POLICY_INDEX_H */
