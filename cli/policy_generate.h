/*
 * `agentsh policy generate`: a policy YAML (compat.md §1) that allows what a
 * recorded session did and nothing more. cmd_policy (cli/policy.c) calls
 * cmd_policy_generate for `policy generate`.
 */
#ifndef AGENTSH_CLI_POLICY_GENERATE_H
#define AGENTSH_CLI_POLICY_GENERATE_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "report_tally.h"

struct cli_globals;

/* argv[0] is "generate". Returns the exit status. */
int cmd_policy_generate(int argc, char **argv, const struct cli_globals *g);

struct pgen_opts {
	const char *name;	/* policy name; default "generated-<session>" */
	const char *session_id; /* for the provenance comment; may be NULL */
	int threshold; /* paths in one directory before it becomes a recursive glob (default 5) */
	bool include_blocked; /* blocked operations as commented-out allow rules */
	bool arg_patterns;    /* args_patterns for risky commands */
	const char *home;     /* never collapsed into a glob; NULL: $HOME */
};

/* Writes the policy for `events` to `out`. Returns 0, -EINVAL (no events) or -EIO. */
int pgen_build(const cJSON *events, const struct pgen_opts *o, FILE *out);

/* --- internals shared by the cli/policy_generate_*.c files --- */

/* File operation names in bit order (bit i = 1 << i). */
extern const char *const pgen_file_ops[];
extern const size_t pgen_file_ops_count;
unsigned long pgen_file_op_bit(const char *op);

/*
 * Groups `paths` (key = path, bits = ops) into patterns in `out` (key = glob,
 * bits = union of ops, count = paths covered): a directory holding at least
 * `threshold` paths, or `threshold` subdirectories with paths, becomes a recursive glob
 * (the deepest such directory wins). Never collapses /, a top-level directory
 * other than /tmp, `home` or its ancestors, or a directory holding any path
 * of `blocked`. Literal glob characters are escaped. Returns 0 or -ENOMEM.
 */
int pgen_group_paths(const struct tally *paths, int threshold, const struct tally *blocked,
		     const char *home, struct tally *out);
/* Glob-escapes a literal path; a numeric /proc/<pid> component becomes a "*" glob. */
void pgen_glob_escape(const char *path, char *out, size_t len);
/* Two or more names under one parent domain become *.parent (or **.parent
 * when some name is deeper than one label). out: key = pattern, extra =
 * "port,port". `hosts` key = "host\x1fport". Returns 0 or -ENOMEM. */
int pgen_group_domains(const struct tally *hosts, struct tally *out);

/* YAML scalars: single-quoted, or double-quoted with escapes for control characters. */
void pgen_yaml_str(FILE *out, const char *s);
/* RE2/PCRE2-safe literal. */
void pgen_regex_escape(const char *s, char *out, size_t len);

/* ---- the generator's state (cli/policy_generate_build.c collects, _emit.c writes) ---- */

#define PGEN_MAX_ARG_PATTERNS 16 /* distinct argument lists per risky command */
#define PGEN_UNIX_OPS 4

enum pgen_class { PC_WRITE, PC_SOFT, PC_READ, PC_COUNT };

#define SEEN_NETWORK 1ul
#define SEEN_DELETE 2ul
struct pgen_class_info {
	const char *rule_prefix;
	const char *decision;
	const char *what;
};
extern const struct pgen_class_info pgen_classes[PC_COUNT];
extern const char *const pgen_unix_ops[PGEN_UNIX_OPS];

struct pgen {
	const struct pgen_opts *o;
	FILE *out;
	struct tally files[PC_COUNT];	       /* path -> op bits */
	struct tally blocked_files;	       /* path -> op bits */
	struct tally cmds;		       /* program -> runs; bits = SEEN_* */
	struct tally cmd_names;		       /* "program\x1fname" */
	struct tally cmd_args;		       /* "program\x1fargs" -> runs */
	struct tally blocked_cmds;	       /* "program" -> runs */
	struct tally pid_cmd;		       /* pid -> extra = program */
	struct tally hosts, blocked_hosts;     /* "host\x1fport" */
	struct tally unix_paths, blocked_unix; /* path -> op bits */
	struct tally signals, blocked_signals; /* "signal\x1frelation" */
	long n_events;
	const char *first_ts, *last_ts, *sid;
};

/* Why a command is risky ("network", "destructive-observed" ...), NULL if it is not. */
const char *pgen_risky_reason(const struct tally_item *cmd);
/* "prefix-what" with what reduced to [a-z0-9-]. */
void pgen_rule_name(char *buf, size_t len, const char *prefix, const char *what);
/* The operations a generated file rule lists for observed ops `bits` of class c. */
unsigned long pgen_rule_file_ops(unsigned long bits, enum pgen_class c);
void pgen_emit_string_list(FILE *out, const char *indent, const char *key, const char *const *v,
			   size_t n);
void pgen_emit_ops(FILE *out, const char *indent, const char *const *names, size_t n,
		   unsigned long bits);
/* Commented-out rules under a heading; text is modified. */
void pgen_emit_commented(FILE *out, const char *heading, char *text);
/* Runs fn on a memory stream and writes its rules commented out. 0 or -ENOMEM. */
int pgen_emit_blocked(struct pgen *p, const char *heading, void (*fn)(struct pgen *p, FILE *mem));
void pgen_emit_section(FILE *out, const char *name, size_t active);
int pgen_emit_commands(struct pgen *p);
int pgen_emit_files(struct pgen *p);
int pgen_emit_network(struct pgen *p);
void pgen_emit_unix(struct pgen *p);
void pgen_emit_signals(struct pgen *p);
void pgen_release(struct pgen *p);

#endif /* !AGENTSH_CLI_POLICY_GENERATE_H */
