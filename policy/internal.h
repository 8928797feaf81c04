/* The compiled policy: shared by the files of policy/ only. */
#ifndef AGENTSH_POLICY_INTERNAL_H
#define AGENTSH_POLICY_INTERNAL_H

#include "policy.h"

#include <stdint.h>

#include "index.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

struct glob;

struct pos {
	int line, col; /* 1-based; 0 = unknown */
};

struct strlist {
	size_t n;
	char **v;
	struct pos *pos;
};

struct intlist {
	size_t n;
	long *v;
	struct pos *pos;
};

struct objlist {
	size_t n;
	void *v;
};

/* A rule's decision as written and as parsed. */
struct rule_decision {
	char *text;
	struct pos pos;
	enum decision d;
	bool invalid; /* unknown word: deny with rule invalid-policy-decision */
};

/* Fields every rule kind has, first in each rule struct. */
struct rule_head {
	struct pos pos;
	char *name;
	char *description;
	char *message;
	struct rule_decision decision;
	long timeout_ms;
};

struct file_rule {
	struct rule_head h;
	struct strlist paths;
	struct strlist operations;
	char *redirect_to;
	bool preserve_tree;
	/* compiled */
	struct glob **globs;
	unsigned ops;
};

struct cidr {
	int family; /* AF_INET / AF_INET6 */
	unsigned char addr[16];
	int prefix;
};

struct network_rule {
	struct rule_head h;
	struct strlist domains;
	struct intlist ports;
	struct strlist cidrs;
	/* compiled */
	struct glob **domain_globs;
	struct cidr *cidr;
};

struct depth_range {
	bool set;
	long min, max; /* max -1 = unlimited */
};

struct cmd_redirect_raw {
	struct pos pos;
	char *command;
	struct strlist args;
	struct strlist args_append;
	struct strlist environment; /* "K=V" */
};

enum cmd_match_kind { CM_BASENAME, CM_PATH };

struct cmd_matcher {
	enum cmd_match_kind kind;
	char *literal; /* lowercased, when the entry has no metacharacters */
	size_t literal_len;
	struct glob *glob; /* otherwise */
};

struct command_rule {
	struct rule_head h;
	struct strlist commands;
	struct strlist args_patterns;
	struct cmd_redirect_raw redirect_to;
	struct depth_range context;
	struct strlist env_allow;
	struct strlist env_deny;
	long env_max_bytes;
	long env_max_keys;
	signed char env_block_iteration; /* 0 unset, 1 false, 2 true */
	/* compiled */
	struct cmd_matcher *match;
	pcre2_code **re;
	struct exec_redirect redirect; /* command NULL when none */
	struct glob **env_allow_g;
	struct glob **env_deny_g;
};

enum unix_op { UOP_CONNECT = 1, UOP_BIND = 2, UOP_LISTEN = 4, UOP_SENDTO = 8, UOP_ALL = 15 };

struct unix_rule {
	struct rule_head h;
	struct strlist paths;
	struct strlist operations;
	/* compiled */
	struct glob **globs;
	unsigned ops;
};

/* Windows registry rules: parsed and validated, not enforced on Linux. */
struct registry_rule {
	struct rule_head h;
	struct strlist paths;
	struct strlist operations;
	long priority;
	long cache_ttl_ms;
	bool notify;
};

struct signal_target_raw {
	struct pos pos;
	char *type;
	char *pattern;
	long min, max;
};

enum sig_target_kind { ST_REL, ST_PROCESS, ST_PID_RANGE };

struct signal_rule {
	struct rule_head h;
	struct strlist signals;
	struct signal_target_raw target;
	char *fallback;
	char *redirect_to;
	/* compiled */
	uint64_t sigmask; /* bit n-1 for signal n */
	enum sig_target_kind tkind;
	unsigned relations;
	struct glob *process;
	int redirect_sig;
};

struct dns_redirect {
	struct pos pos;
	char *name;
	char *match;
	char *resolve_to;
	char *visibility;
	char *on_failure;
	pcre2_code *re;
};

struct tls_raw {
	struct pos pos;
	char *mode;
	char *sni;
};

struct connect_redirect {
	struct pos pos;
	char *name;
	char *match;
	char *redirect_to;
	char *redirect_to_unix;
	struct tls_raw tls;
	char *visibility;
	char *message;
	char *on_failure;
	pcre2_code *re;
};

struct resource_limits_raw {
	struct pos pos;
	long max_memory_mb, memory_swap_max_mb, cpu_quota_percent;
	long disk_read_bps_max, disk_write_bps_max, net_bandwidth_mbps, pids_max;
	long command_timeout_ms, session_timeout_ms, idle_timeout_ms;
};

struct env_policy_raw {
	struct pos pos;
	struct strlist allow;
	struct strlist deny;
	long max_bytes;
	long max_keys;
	bool block_iteration;
	struct glob **allow_g;
	struct glob **deny_g;
};

struct audit_raw {
	struct pos pos;
	bool log_allowed, log_denied, log_approved;
	bool include_stdout, include_stderr, include_file_content;
	long retention_days;
};

struct transparent_raw {
	struct pos pos;
	struct strlist add;
	struct strlist remove;
};

struct metadata_entry {
	struct pos pos;
	char *rule_name;
	char *source;
};

/* A section parsed for structure only (not enforced in this build). */
struct any_section {
	struct pos pos;
	bool present;
};

struct policy {
	struct pos pos;
	long version;
	char *name;
	char *description;
	struct objlist metadata;
	struct objlist file_rules;
	struct objlist network_rules;
	struct objlist command_rules;
	struct objlist unix_rules;
	struct objlist registry_rules;
	struct objlist signal_rules;
	struct objlist dns_redirects;
	struct objlist connect_redirects;
	struct resource_limits_raw resource_limits;
	struct env_policy_raw env_policy;
	struct audit_raw audit;
	struct strlist env_inject; /* "K=V" */
	struct transparent_raw transparent;
	struct any_section mcp_rules, process_contexts, process_identities, package_rules;
	struct any_section providers, http_services, db_services, database_rules;
	struct any_section database_connection_rules, policies, services;

	/* compiled / derived */
	struct policy_opts opts;
	struct strlist warnings;
	struct glob **transparent_set; /* lowercased wrapper name globs, NULL-terminated */
	bool has_restrictive_command_rule;
	struct rule_index file_ix, net_ix, cmd_ix;
};

#define RULES(p, kind, type) ((type *)(p)->kind.v)

/* load.c: schema-driven YAML reader. */
int policy_parse_yaml(const char *file, const char *text, size_t len, struct policy *p,
		      struct policy_error *err);
/* compile.c: globs, regexes, CIDRs, variable expansion. */
int policy_compile(const char *file, struct policy *p, const struct policy_vars *vars,
		   struct policy_error *err);
void policy_release(struct policy *p);
int policy_compile_signal_rule(const char *file, struct policy *p, struct signal_rule *r,
			       struct policy_error *err);
int policy_compile_redirects(const char *file, struct policy *p, struct policy_error *err);
int policy_compile_transparent(struct policy *p);
void policy_warn_unenforced(const char *file, struct policy *p);
/* index_build.c */
int policy_build_indexes(struct policy *p);
void policy_release_indexes(struct policy *p);
int policy_parse_cidr(const char *s, struct cidr *out);
/* PCRE2 with UTF (invalid UTF tolerated) and JIT when available. */
pcre2_code *policy_regex_compile(const char *pattern, char *err, size_t errlen);
/* 1 match, 0 no match, -1 could not evaluate. */
int policy_regex_match(const pcre2_code *re, const char *s, size_t len);

/* Appends a warning (formatted). */
void policy_warn(struct policy *p, const char *fmt, ...) PRINTF_LIKE(2, 3);
int policy_errorf(struct policy_error *err, const char *file, struct pos pos, const char *fmt, ...)
    PRINTF_LIKE(4, 5);

/* vars.c: expands ${VAR} and ${VAR:-fallback}; malloc'd result or NULL with err. */
char *policy_expand_vars(const char *s, const struct policy_vars *vars, char *err, size_t errlen);

/* verdict.c */
void verdict_init(struct verdict *v);
/* Values for the {{.Field}} placeholders of rule messages (NULL = absent). */
struct msg_fields {
	const char *path, *command, *args;
	const char *domain, *remote_addr, *remote_port;
};

/* Sets decision, effective decision, rule, timeout and the filled message. */
void verdict_from_rule(const struct policy *p, struct verdict *v, const struct rule_head *h,
		       bool file_category, const struct msg_fields *f);
void verdict_default(const struct policy *p, struct verdict *v, enum decision d, const char *rule);
/* Fills {{.Path}} {{.Command}} {{.Args}} {{.Domain}} {{.RemoteAddr}}
 * {{.RemotePort}} in v->message from the rule message. */
void verdict_fill_message(struct verdict *v, const char *msg, const struct msg_fields *f);
/* deny > redirect = soft_delete > approve > audit > allow (absorb as deny). */
int decision_strictness(enum decision d);

/* Lowercases s[0..n) into buf (size cap); returns length or -1 if too long. */
ssize_t lower_copy(char *buf, size_t cap, const char *s, size_t n);

#endif /* !AGENTSH_POLICY_INTERNAL_H */
