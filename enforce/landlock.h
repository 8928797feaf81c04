/* Landlock backend: static allow subtrees and TCP ports, applied in the child before exec. */
#ifndef AGENTSH_ENFORCE_LANDLOCK_H
#define AGENTSH_ENFORCE_LANDLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a path rule allows beneath its path (policy operations, not kernel bits). */
enum landlock_perm {
	LANDLOCK_PERM_READ = 1 << 0,    /* read files, list directories */
	LANDLOCK_PERM_WRITE = 1 << 1,   /* write, create, delete, rename, truncate, device ioctl */
	LANDLOCK_PERM_EXECUTE = 1 << 2, /* execve (and the read of the binary it implies) */
};

/* Landlock scopes (ABI 6): isolate the sandbox from peers outside it. */
enum landlock_scope {
	LANDLOCK_SCOPE_ABSTRACT_UNIX = 1 << 0,
	LANDLOCK_SCOPE_SIGNALS = 1 << 1,
};

struct landlock_path_rule {
	const char *path; /* absolute; a directory covers its whole subtree */
	unsigned int perms;
};

struct landlock_spec {
	/* Filesystem: when restrict_fs, everything not allowed by a rule is denied. */
	bool restrict_fs;
	const struct landlock_path_rule *paths;
	size_t n_paths;
	/* TCP (ABI 4+): when restrict_connect/bind, only the listed ports are allowed. */
	bool restrict_connect;
	const uint16_t *connect_ports;
	size_t n_connect;
	bool restrict_bind;
	const uint16_t *bind_ports;
	size_t n_bind;
	unsigned int scopes; /* enum landlock_scope bits; applied only from ABI 6 */
};

/* What the kernel actually enforces after landlock_apply(): the planner keeps the rest traced. */
struct landlock_status {
	int abi;
	uint64_t handled_fs;  /* LANDLOCK_ACCESS_FS_* bits handled */
	uint64_t handled_net; /* LANDLOCK_ACCESS_NET_* bits handled (0 below ABI 4) */
	unsigned int scoped;
	bool fs_exact;        /* every write/read/exec right of the spec could be handled */
	int skipped_paths;    /* allow rules whose path could not be opened (stay denied) */
};

/* The running kernel's Landlock ABI (1..), or -EOPNOTSUPP (disabled) / -ENOSYS. */
int landlock_abi(void);
/* In the child: a domain that keeps other processes out of ptrace reach and
 * restricts nothing else (landlock.c). 0 or -errno. */
int landlock_scope_domain(void);

/* Kernel access bits a perm set maps to at this ABI; is_dir false keeps only file rights. */
uint64_t landlock_fs_access(unsigned int perms, int abi, bool is_dir);
/* All filesystem access bits this ABI can handle. */
uint64_t landlock_fs_handled(int abi);

/*
 * Builds and applies the ruleset to the calling thread (and, through exec, everything it
 * runs). Best effort per ABI: rights the kernel does not know are left unhandled and
 * reported in *st. Sets no_new_privs. Async-signal-safe (no allocation): callable between
 * fork and exec. Returns 0 or -errno; 0 with nothing handled when the spec restricts nothing.
 */
int landlock_apply(const struct landlock_spec *spec, struct landlock_status *st);

enum landlock_glob_kind {
	LANDLOCK_GLOB_INEXACT, /* needs a matcher: wildcards, braces, variables, relative, ... */
	LANDLOCK_GLOB_EXACT,   /* one canonical absolute path */
	LANDLOCK_GLOB_SUBTREE, /* a directory then a "**" segment: everything strictly beneath it */
};

/*
 * Can this file_rules glob be expressed exactly in Landlock? Writes the path to hand to
 * Landlock into out (the directory for SUBTREE). Note the subtree glob of /dir does not match
 * /dir itself while a Landlock rule on /dir also covers /dir, so a caller allowing SUBTREE through
 * Landlock must be fine with /dir itself (listing it) being allowed too.
 */
enum landlock_glob_kind landlock_glob_kind(const char *glob, char *out, size_t out_len);

#endif /* !AGENTSH_ENFORCE_LANDLOCK_H */
