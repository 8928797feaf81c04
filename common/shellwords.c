#include "compat.h"
#include "shellwords.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int shell_split(const char *s, char *buf, const char **words, int max)
{
	int n = 0;
	char *w = buf;
	bool in_word = false;

	for (; *s; s++) {
		if (*s == ' ' || *s == '\t' || *s == '\n') {
			if (in_word)
				*w++ = '\0';
			in_word = false;
			continue;
		}
		if (!in_word) {
			if (n == max)
				return -1;
			words[n++] = w;
			in_word = true;
		}
		if (*s == '\'') {
			for (s++; *s && *s != '\''; s++)
				*w++ = *s;
		} else if (*s == '"') {
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1] && strchr("\"\\$`", s[1]))
					s++;
				*w++ = *s;
			}
		} else {
			*w++ = *s == '\\' && s[1] ? *++s : *s;
			continue;
		}
		if (!*s)
			return -1;
	}
	*w = '\0';
	words[n] = NULL;
	return n;
}

void exec_filename(const char *word, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char cand[PATH_MAX], real[PATH_MAX];

	snprintf(out, len, "%s", word);
	if (strchr(word, '/')) {
		if (realpath(word, real))
			snprintf(out, len, "%s", real);
		return;
	}
	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t n = strcspn(p, ":");

		snprintf(cand, sizeof(cand), "%.*s/%s", (int)n, n ? p : ".", word);
		if (access(cand, X_OK) == 0 && realpath(cand, real)) {
			snprintf(out, len, "%s", real);
			return;
		}
		p += n + (p[n] == ':');
	}
}
