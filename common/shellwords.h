/* A command line as `policy test --exec` and POST /policy/test take it. */
#ifndef AGENTSH_SHELLWORDS_H
#define AGENTSH_SHELLWORDS_H

#include <stddef.h>

/*
 * Splits s like a POSIX shell without expansions: '...' literal, "..." with
 * \" \\ \$ \` escapes, an unquoted backslash escapes the next character.
 * At most max words, pointing into buf (strlen(s) + 1 bytes); words needs
 * max + 1 entries and ends with NULL. Returns the count, or -1 for an
 * unterminated quote or more than max words.
 */
int shell_split(const char *s, char *buf, const char **words, int max);

/* The execve-time filename of a command word: PATH lookup and symlinks
 * resolved, as the kernel would see it; the word itself when not found. */
void exec_filename(const char *word, char *out, size_t len);

#endif /* !AGENTSH_SHELLWORDS_H */
