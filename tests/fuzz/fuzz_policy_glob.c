/* libFuzzer: glob compiler and matcher. Input: SEP PATTERN \0 SUBJECT. */
#include "compat.h"
#include "policy/glob.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char seps[] = {'/', '.', 0};
	char err[128], *pat;
	const char *nul;
	struct glob *g;

	if (size < 1)
		return 0;
	nul = memchr(data + 1, 0, size - 1);
	if (!nul)
		nul = (const char *)data + size;
	pat = strndup((const char *)data + 1, (size_t)(nul - (const char *)data - 1));
	if (!pat)
		return 0;
	g = policy_glob_compile(pat, seps[data[0] % 3], err, sizeof(err));
	if (g) {
		const char *end = (const char *)data + size;
		const char *subj = nul < end ? nul + 1 : end;

		policy_glob_match(g, subj, (size_t)(end - subj));
		policy_glob_match(g, pat, strlen(pat));
		policy_glob_free(g);
	}
	free(pat);
	return 0;
}
