/*
 * policy/ public interface: policy text in, verdicts out.
 *
 * Pure library: includes nothing from tracer/, enforce/, server/. Nothing here
 * performs I/O at decide time (load reads the file; decide is memory only).
 * Decide functions never fail: anything they cannot judge is a deny with a
 * rule name saying why.
 */
#ifndef AGENTSH_POLICY_H
#define AGENTSH_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct policy;

enum decision {
	DECISION_ALLOW = 0,
	DECISION_DENY,
	DECISION_APPROVE,
	DECISION_REDIRECT,
	DECISION_AUDIT,
	DECISION_SOFT_DELETE,
	DECISION_ABSORB, /* signal_rules only: the signal is dropped, sender sees success */
};

/* "allow", "deny", ... ; NULL for an out-of-range value. */
const char *decision_name(enum decision d);
/* Returns true and sets *out for a known lowercase name. */
bool decision_parse(const char *name, enum decision *out);

/* File operations, as a bit set: one syscall can be several ops at once
 * (a read-only open is FOP_OPEN|FOP_READ: compat.md §0). */
enum file_op {
	FOP_OPEN = 1u << 0,
	FOP_READ = 1u << 1,
	FOP_WRITE = 1u << 2,
	FOP_CREATE = 1u << 3,
	FOP_DELETE = 1u << 4,
	FOP_RMDIR = 1u << 5,
	FOP_MKDIR = 1u << 6,
	FOP_RENAME = 1u << 7,
	FOP_LINK = 1u << 8,
	FOP_SYMLINK = 1u << 9,
	FOP_CHMOD = 1u << 10,
	FOP_CHOWN = 1u << 11,
	FOP_STAT = 1u << 12,
	FOP_LIST = 1u << 13,
	FOP_READLINK = 1u << 14,
	FOP_ACCESS = 1u << 15,
};
#define FOP_ALL 0xffffu
/* The ops that only look: allowed by default (default-allow-reads). */
#define FOP_READ_OPS (FOP_OPEN | FOP_READ | FOP_STAT | FOP_LIST | FOP_READLINK | FOP_ACCESS)

/* Name of the single most specific op in the set, for events
 * (create > write > open; then the others by name). */
const char *file_op_name(unsigned ops);
/* Bit of one lowercase op name ("read"), 0 if unknown. */
unsigned file_op_parse(const char *name);

/* Relation of a signal's target to the sender (a bit set: a child is also a
 * descendant and usually in the same session). */
enum sig_rel {
	SIGREL_SELF = 1u << 0,
	SIGREL_CHILDREN = 1u << 1,
	SIGREL_DESCENDANTS = 1u << 2,
	SIGREL_SIBLINGS = 1u << 3,
	SIGREL_SESSION = 1u << 4,
	SIGREL_PARENT = 1u << 5,
	SIGREL_EXTERNAL = 1u << 6, /* not in the traced tree */
	SIGREL_SYSTEM = 1u << 7,   /* pid 1 or a kernel thread / other uid system process */
	SIGREL_USER = 1u << 8,     /* same uid, outside the tree */
};
/* "self" -> SIGREL_SELF ...; 0 if unknown. */
unsigned sig_rel_parse(const char *name);

/* Session variables for ${VAR} expansion; NULL members fall back to the
 * environment (HOME) or are undefined. */
struct policy_vars {
	const char *project_root;
	const char *git_root;
	const char *home;
};

/* How decisions become effective decisions (compat.md §1 "Decisions"). */
struct policy_opts {
	bool enforce_approvals; /* approve -> approve; else shadow allow */
	bool enforce_redirects; /* redirect -> redirect; else allow */
	/* Submit-time check only: every inner execve is checked by the tracer, so
	 * an opaque `sh -c` script is not pre-denied (shellc-opaque-script). */
	bool execve_enforced;
};

/* A load error: "FILE:LINE:COL: what is wrong". */
struct policy_error {
	char message[1024];
};

/* Load from a file path. Returns 0 or -errno / -EINVAL (err filled). */
int policy_load_file(const char *path, const struct policy_vars *vars,
		     const struct policy_opts *opts, struct policy **out, struct policy_error *err);
/* Load from memory; `name` is used as FILE in error messages. */
int policy_load_buffer(const char *name, const char *text, size_t len,
		       const struct policy_vars *vars, const struct policy_opts *opts,
		       struct policy **out, struct policy_error *err);
/* Find <dir>/<name>.yaml, .yml, then <dir>/<name>; writes the path found.
 * Returns 0 or -ENOENT. Refuses names containing '/' or "..". */
int policy_find(const char *dir, const char *name, char *path, size_t pathlen);
void policy_free(struct policy *p);

const char *policy_name(const struct policy *p);
/* The description, "" when none. */
const char *policy_description(const struct policy *p);
/* Calls fn once per warning (sections parsed but not enforced in this build). */
void policy_for_each_warning(const struct policy *p, void (*fn)(void *ctx, const char *msg),
			     void *ctx);

/* An exec redirect (command_rules redirect_to). Arrays end with NULL. */
struct exec_redirect {
	const char *command;
	const char *const *args;        /* prepended to the original args */
	const char *const *args_append; /* appended */
	const char *const *environment; /* "KEY=VALUE" */
};

struct verdict {
	enum decision decision;  /* the matched rule's decision (or the default's) */
	enum decision effective; /* what enforcement applies: allow, deny, approve, redirect,
				    soft_delete (allow + fs soft delete), absorb */
	const char *rule;        /* rule name; lives as long as the policy. "" = none */
	char message[512];       /* rule message with {{.Path}} {{.Command}} {{.Args}} filled */
	long timeout_ms;         /* approval timeout from the rule; 0 = config max_hold_ms */
	/* file redirect: the target path, computed (redirect_to + full path with
	 * preserve_tree, else + basename). Empty otherwise. */
	char redirect_path[4096];
	/* exec redirect; NULL otherwise. Lives as long as the policy. */
	const struct exec_redirect *exec_redirect;
	/* exec: transparent unwrapping ("" when none). */
	char unwrapped_from[256];
	char payload_command[4096];
	/* exec: the matched command rule (for env_* overrides), opaque. */
	const void *command_rule;
	/* signal redirect: the signal to deliver instead (0 = none). */
	int redirect_signal;
};

void policy_decide_file(const struct policy *p, const char *abs_path, unsigned ops,
			struct verdict *v);
/* Whether every file call whose op set is ops is allowed (decision allow)
 * whatever its path; if not, *rule names the first rule that may decide
 * otherwise. p NULL (no policy): true. */
bool policy_file_static_allow(const struct policy *p, unsigned ops, const char **rule);

struct net_query {
	const char *ip;        /* textual address; IPv4-mapped IPv6 already given as IPv4. May be NULL */
	const char *domain;    /* the name behind the address, NULL when unknown */
	int port;              /* 0 when none */
	const char *operation; /* "connect", "bind", "sendto", "listen", "dns" */
};
void policy_decide_network(const struct policy *p, const struct net_query *q, struct verdict *v);

/* Operation: "connect", "bind", "listen", "sendto". Abstract names as "@name". */
void policy_decide_unix(const struct policy *p, const char *path, const char *operation,
			struct verdict *v);

struct signal_query {
	int sig;             /* 1..64 */
	unsigned relations;  /* enum sig_rel bits */
	const char *target_comm; /* target's command name or exe path, NULL if unknown */
	pid_t target_pid;
};
void policy_decide_signal(const struct policy *p, const struct signal_query *q, struct verdict *v);

struct exec_query {
	const char *filename;     /* canonical absolute path (symlinks resolved) */
	const char *const *argv;  /* argv[0..argc-1] */
	int argc;
	int depth;                /* 0 = the session's direct command */
	bool submit;              /* true: submit-time check (sh -c pre-check, default
				     default-deny-commands); false: execve-time check
				     (unwrapping, default default-deny-execve) */
	/* The file a program name given to a loader (ld.so's) leads to for the
	 * caller, canonical, in out (0); NULL, or non-zero: judged as written. */
	int (*resolve)(void *ctx, const char *name, char *out, size_t cap);
	void *resolve_ctx;
};
void policy_decide_exec(const struct policy *p, const struct exec_query *q, struct verdict *v);
/* The argv index of the program a built-in wrapper (basename "env",
 * "ld-linux...") runs, skipping its options and their values; -1 none. */
int policy_exec_payload(const char *wrapper, const char *const *argv, int argc);

/*
 * Build the environment for an exec from `envp` (NULL-terminated "K=V"), per
 * env_policy and the exec verdict's rule overrides (v may be NULL). Returns 0
 * and a malloc'd NULL-terminated array (free with policy_env_free), or
 * -E2BIG (max_bytes / max_keys exceeded) with err filled.
 */
int policy_build_env(const struct policy *p, const struct verdict *v, char *const envp[],
		     char ***out, struct policy_error *err);
void policy_env_free(char **env);
/* The exec verdict's command rule has env_allow/env_deny/env_max_* of its own. */
bool policy_verdict_has_env_rules(const struct verdict *v);

/*
 * dns_redirects: the first rule whose regex matches `name` (lowercased, no
 * trailing dot). Returns true and fills *out; strings live as long as p.
 */
struct dns_redirect_match {
	const char *rule;
	const char *resolve_to; /* IP text */
	const char *visibility; /* silent | audit_only | warn */
	const char *on_failure; /* fail_closed | fail_open | retry_original */
};
bool policy_match_dns_redirect(const struct policy *p, const char *name,
			       struct dns_redirect_match *out);

/* connect_redirects: the first rule whose regex matches "host:port". */
struct connect_redirect_match {
	const char *rule;
	const char *redirect_to;      /* "host:port", or NULL */
	const char *redirect_to_unix; /* socket path, or NULL */
	const char *tls_mode;         /* passthrough | rewrite_sni, or NULL */
	const char *tls_sni;
	const char *visibility;
	const char *message;
	const char *on_failure;
};
bool policy_match_connect_redirect(const struct policy *p, const char *host, int port,
				   struct connect_redirect_match *out);

/* resource_limits (0 = unset). */
struct policy_limits {
	long max_memory_mb, memory_swap_max_mb, cpu_quota_percent;
	long disk_read_bps_max, disk_write_bps_max, net_bandwidth_mbps, pids_max;
	long command_timeout_ms, session_timeout_ms, idle_timeout_ms;
};
void policy_get_limits(const struct policy *p, struct policy_limits *out);

/* audit settings of the policy. */
struct policy_audit {
	bool log_allowed, log_denied, log_approved;
	bool include_stdout, include_stderr, include_file_content;
	long retention_days;
};
void policy_get_audit(const struct policy *p, struct policy_audit *out);

/* Signal name/number ("TERM", "SIGTERM", "15") -> number; 0 if unknown. */
int policy_signal_parse(const char *s);

/*
 * Signing (Ed25519, libsodium) and manifests: policy/sign.c. Functions return
 * 0 or -errno with a message in err.
 */
/* Writes DIR/private.key.json (0600) and DIR/public.key.json; key_id = hex
 * SHA-256 of the public key. expires_at: RFC 3339 or NULL (never). */
int policy_keygen(const char *dir, const char *label, const char *expires_at, char key_id[65],
		  char *err, size_t errlen);
/* Writes the detached signature to output, or to POLICY.sig when NULL. */
int policy_sign_file(const char *policy_path, const char *private_key_path, const char *output,
		     const char *signer, char *err, size_t errlen);
/* Verifies POLICY.sig against the trust store (a directory of public key
 * JSON files). A world-writable trust store or key file, an unknown or
 * expired key, or a bad signature is refused. */
int policy_verify_signature(const char *policy_path, const char *trust_store_dir, char *err,
			    size_t errlen);
/* Same; strict=false tolerates world-writable files; key_id (may be NULL)
 * receives the signing key. */
int policy_verify_signature_ex(const char *policy_path, const char *trust_store_dir, bool strict,
			       char key_id[65], char *err, size_t errlen);
/* policies.signing at load: mode "enforce" -> <0 refuses; "warn" -> 1 with
 * the warning in err; "off"/NULL -> 0. */
int policy_signing_check(const char *policy_path, const char *trust_store_dir, const char *mode,
			 char *err, size_t errlen);
/* policies.manifest_path: "SHA256  NAME" lines (sha256sum format); the
 * policy's basename must be listed with its hash. */
int policy_verify_manifest(const char *manifest_path, const char *policy_path, char *err,
			   size_t errlen);

/* Calls fn for each path pattern of a file rule that does not simply allow
 * (deny, approve, redirect, soft_delete), ${VAR} expanded (policy/iter.c). */
void policy_for_each_protected_pattern(const struct policy *p, const struct policy_vars *vars,
				       void (*fn)(void *ctx, const char *pattern), void *ctx);

/* The load-time checks of the server config (compat.md §2 policies.*). */
struct policy_checks {
	const char *manifest_path; /* policies.manifest_path; NULL/"" = none */
	const char *trust_store;   /* policies.signing.trust_store */
	const char *signing_mode;  /* policies.signing.mode: enforce | warn | off (NULL = off) */
	void (*warn)(void *ctx, const char *msg); /* signing warnings in warn mode; may be NULL */
	void *ctx;
};
/* policy_load_file after the manifest and signature checks; a failed check
 * is -EPERM (or the check's -errno) with the reason in err. */
int policy_load_verified(const char *path, const struct policy_checks *checks,
			 const struct policy_vars *vars, const struct policy_opts *opts,
			 struct policy **out, struct policy_error *err);

/* dns_redirects and connect_redirects as written, for the network layer. */
struct policy_dns_redirect_rule {
	const char *name, *match, *resolve_to, *visibility, *on_failure;
};
void policy_for_each_dns_redirect(const struct policy *p,
				  void (*fn)(void *ctx, const struct policy_dns_redirect_rule *r),
				  void *ctx);
struct policy_connect_redirect_rule {
	const char *name, *match, *redirect_to, *redirect_to_unix, *tls_mode, *tls_sni;
	const char *visibility, *message, *on_failure;
};
void policy_for_each_connect_redirect(
	const struct policy *p, void (*fn)(void *ctx, const struct policy_connect_redirect_rule *r),
	void *ctx);

/* Static data the tracer needs to plan what to trace. */
bool policy_has_signal_rules(const struct policy *p);
bool policy_has_unix_rules(const struct policy *p);

#endif /* !AGENTSH_POLICY_H */
