/*
 * Deciding and recording operations: op + process -> verdict -> event line.
 * The same path serves every backend; only how a verdict is applied differs.
 */
#ifndef AGENTSH_ENFORCE_H
#define AGENTSH_ENFORCE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy/policy.h"
#include "syscalls/op.h"

struct enforce;

struct enforce_opts {
	const char *session_id;
	const char *command_id;
	int events_fd;        /* -1: no event lines */
	bool log_allowed;     /* audit.log_allowed: record allowed ops (default true) */
	const char *approver; /* "unix:PATH" or NULL */
	long max_hold_ms;
	const char *workspace; /* soft-delete trash lives here */
	const char *trash_dir; /* sandbox.fuse.audit.trash_path (relative to workspace) */
	struct policy_vars vars; /* for ${VAR} in protected paths (identity index) */
};

/* Who did it. */
struct proc_info {
	pid_t pid, tid, ppid;
	int depth; /* exec depth the op happens at (for an exec: of the new image) */
	unsigned sig_relations; /* OP_SIGNAL: the target's enum sig_rel bits */
	/* A signal to a process group: each member's relations (distinct sets);
	 * the decision is the strictest over them. sig_relations is their union. */
	const unsigned *sig_group_rels;
	int sig_group_n;
	const char *target_comm;
};

enum action {
	ACT_ALLOW = 0,
	ACT_DENY,        /* fail with -errno */
	ACT_HOLD,        /* approval pending: keep the tracee stopped */
	ACT_REDIRECT,    /* rewrite the path / exec */
	ACT_SOFT_DELETE, /* move into the trash, return success */
	ACT_ABSORB,      /* skip the call, return 0 */
};

struct decision_out {
	enum action action;
	int err;             /* for ACT_DENY */
	struct verdict v;
	uint64_t approval_id; /* for ACT_HOLD */
	/* ACT_REDIRECT of a network op: the sockaddr to use instead. */
	uint8_t net_to[128];
	uint32_t net_to_len;
};

/* p may be NULL: everything allowed and recorded. Takes ownership of p. */
int enforce_new(const struct enforce_opts *o, struct policy *p, struct enforce **out);
/* Whether a process or thread id is in the traced tree (the tracer answers,
 * on its own thread). Without it every /proc/PID object counts as outside. */
void enforce_set_tree(struct enforce *e, bool (*in_tree)(void *ctx, pid_t pid), void *ctx);
void enforce_free(struct enforce *e);
/* A process that became ld.so run directly, at its exec event (argv as it
 * started): its opens are judged as that exec until it has opened its
 * program (enforce/ldso.c). forget: it exec'd again or exited. */
int enforce_ldso_expect(struct enforce *e, pid_t pid, const char *ldso, char *const *argv, int argc);
void enforce_ldso_forget(struct enforce *e, pid_t pid);
/* Starts the DNS proxy (enforce/netglue.c): port 0 = any, upstreams NULL =
 * /etc/resolv.conf. Only with a policy. 0 or -errno. */
int enforce_net_start(struct enforce *e, int port, const char *const *upstreams);
void enforce_net_stop(struct enforce *e);
/* With connect_redirects tls.mode rewrite_sni (TLS proxy running): replaces
 * *envp (NULL = environ, else freed with policy_env_free) by a copy that
 * trusts the session CA (SSL_CERT_FILE ... docs/network.md). 0 or -ENOMEM. */
int enforce_net_env(struct enforce *e, char ***envp);
/* The domain the proxy resolved to ip, or NULL. Thread-safe. */
const char *enforce_net_domain(struct enforce *e, const char *ip, char *out, size_t cap);
const struct policy *enforce_policy(const struct enforce *e);
const struct enforce_opts *enforce_options(const struct enforce *e);

/* Decides op, writes its event line, returns what to do. */
void enforce_decide(struct enforce *e, const struct proc_info *pi, const struct op *op,
		    struct decision_out *d);

/* Records an op that was decided elsewhere (approval outcome, max_tracees). */
/* The decision alone: no event, no hold (FUSE's threads; an exec checked
 * again at its event). Thread-safe for file ops. */
void enforce_decide_quiet(struct enforce *e, const struct proc_info *pi, const struct op *op,
			  struct verdict *v);
void enforce_record(struct enforce *e, const struct proc_info *pi, const struct op *op,
		    const struct verdict *v, const char *extra_type);

/* Approvals (enforce/approve.c): the approver's fd to poll, or -1. */
int enforce_approver_fd(const struct enforce *e);
/* An events write failed (the reader went away, the disk is full): nothing
 * more can be recorded, so the tracer stops the command (fail closed). */
bool enforce_sink_broken(const struct enforce *e);
/* Reads the approver's answers; calls fn for each (id, allowed). */
void enforce_approver_read(struct enforce *e, void (*fn)(void *ctx, uint64_t id, bool allow),
			   void *ctx);

/* Exit-time verification: decides the file an allowed open actually opened
 * (its /proc fd path) with the same ops; records and returns false when it
 * is not allowed. */
bool enforce_verify_open(struct enforce *e, const struct proc_info *pi, const struct op *op,
			 const char *opened_path, struct verdict *v);

/* Records the outcome of a held op: "approved", "denied" or "timeout". */
void enforce_record_approval(struct enforce *e, pid_t pid, pid_t tid, uint64_t id,
			     const char *outcome, const char *rule);
char *event_build_approval(const struct enforce_opts *o, pid_t pid, pid_t tid, uint64_t id,
			   const char *outcome, const char *rule);

/* Event JSON (enforce/event.c): builds the line for op + verdict. Caller frees. */
char *event_build(const struct enforce_opts *o, const struct proc_info *pi, const struct op *op,
		  const struct verdict *v);

#endif /* !AGENTSH_ENFORCE_H */
