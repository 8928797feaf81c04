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
/* True when the pattern has no metacharacters (matches one string only). */
bool policy_glob_is_literal(const struct glob *g);

#endif /* !AGENTSH_POLICY_GLOB_H */
