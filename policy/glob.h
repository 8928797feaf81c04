/*
 * Glob matchers with gobwas/glob semantics, compiled once.
 *
 * Syntax: `*` any run of characters except the separator, `**` any run
 * including it, `?` one character except the separator, `[abc]` `[a-z]`
 * `[!a-z]` one character from (or not from) a set, `{a,b,c}` alternatives
 * (nestable), `\x` a literal x. With separator 0, `*` behaves like `**`.
 */
#ifndef AGENTSH_POLICY_GLOB_H
#define AGENTSH_POLICY_GLOB_H

#include <stdbool.h>
#include <stddef.h>

struct glob;

/* Patterns longer than this are refused (bounds memory and match time). */
#define GLOB_MAX_PATTERN 4096
/* Brace expansions beyond this many alternatives are refused. */
#define GLOB_MAX_ALTS 256

/* Returns NULL and fills err (if given) on a syntax error or ENOMEM. */
struct glob *policy_glob_compile(const char *pattern, char separator, char *err, size_t errlen);
void policy_glob_free(struct glob *g);
bool policy_glob_match(const struct glob *g, const char *s, size_t len);
static inline bool policy_glob_match_str(const struct glob *g, const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return policy_glob_match(g, s, n);
}
/* Alternatives after brace expansion, for indexes: the literal prefix and
 * suffix of alternative i (*exact: the alternative is exactly that literal). */
size_t policy_glob_nalts(const struct glob *g);
const char *policy_glob_alt_prefix(const struct glob *g, size_t i, size_t *len, bool *exact);
const char *policy_glob_alt_suffix(const struct glob *g, size_t i, size_t *len);
/* True when the pattern has no metacharacters (matches one string only). */
bool policy_glob_is_literal(const struct glob *g);

#endif /* !AGENTSH_POLICY_GLOB_H */
