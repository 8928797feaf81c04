/*
 * The backend planner: compiled policy + detected capabilities + mode -> which
 * backend enforces each rule, what the static backends are given, and which
 * syscall classes stay traced. ptrace is the fallback for everything.
 */
#ifndef AGENTSH_ENFORCE_PLAN_H
#define AGENTSH_ENFORCE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "enforce/ebpf.h"
#include "enforce/landlock.h"
#include "policy/policy.h"

struct detect_result;

/* `--mode`: which backends may run. auto = the best this machine supports. */
enum plan_mode {
	PLAN_MODE_PTRACE,    /* ptrace, a stop at every syscall */
	PLAN_MODE_PREFILTER, /* ptrace + seccomp prefilter (the default core) */
	PLAN_MODE_NOTIFY,    /* + seccomp user-notify for opens */
	PLAN_MODE_LANDLOCK,  /* + Landlock (write subtrees, TCP connect ports) */
	PLAN_MODE_EBPF,      /* + eBPF cgroup connect */
	PLAN_MODE_FUSE,      /* + FUSE workspace */
	PLAN_MODE_FULL,      /* every accelerating backend this build has */
	PLAN_MODE_AUTO,
	PLAN_MODE_COUNT
};

enum plan_backend {
	PLAN_BE_PTRACE,
	PLAN_BE_NOTIFY,
	PLAN_BE_LANDLOCK,
	PLAN_BE_EBPF,
	PLAN_BE_FUSE,
	PLAN_BE_COUNT
};

/* One rule's placement. */
struct plan_rule {
	const char *section; /* file_rules, network_rules, ... */
	const char *name;    /* lives as long as the policy */
	enum decision decision;
	enum plan_backend backend; /* who decides it first */
	bool kernel_layer;         /* Landlock also enforces it in the kernel */
	bool ebpf_layer;           /* the eBPF cgroup programs also enforce it */
	bool fuse_layer;           /* the FUSE workspace also enforces it (paths in the workspace) */
	char why[160];
};

#define PLAN_MAX_LL_PATHS 64
#define PLAN_MAX_LL_PORTS 64

struct plan {
	enum plan_mode requested, mode; /* mode: after auto / fallback */
	bool prefilter;
	/* seccomp user-notify: open/openat/openat2/creat emulated with ADDFD */
	bool notify_open;
	/* Landlock, applied in the child before exec */
	bool landlock;
	struct landlock_spec ll;
	struct landlock_path_rule ll_paths[PLAN_MAX_LL_PATHS];
	char *ll_path_text[PLAN_MAX_LL_PATHS];
	uint16_t ll_ports[PLAN_MAX_LL_PORTS];
	char ll_fs_why[160], ll_net_why[160]; /* why writes / connect are not restricted */
	/* eBPF cgroup connect/sendmsg: the network_rules as a kernel rule table */
	bool ebpf;
	struct ebpf_rule *ebpf_rules;
	size_t ebpf_nrules;
	__u32 ebpf_default;
	char ebpf_cgroup_parent[4096];
	/* FUSE: the workspace is mounted through agentsh in the command's mount namespace */
	bool fuse;
	char fuse_workspace[4096];
	/* classes the prefilter still traces */
	bool trace_execve, trace_file, trace_network, trace_signal;
	struct plan_rule *rules;
	size_t nrules;
	/* why a backend is not used (empty when it is or was not asked for) */
	char off[PLAN_BE_COUNT][128];
};

/* What the planner must know besides policy and machine. */
struct plan_config {
	bool log_allowed;       /* allowed ops need an event: their class stays observed */
	bool enforce_approvals; /* approve rules hold (need ptrace) */
	const struct policy_vars *vars; /* ${VAR} expansion of file_rules paths; project_root is
					 * the workspace the FUSE layer mounts */
	bool fuse_enabled; /* sandbox.fuse.enabled: full/auto include FUSE */
	bool attach;       /* attach: no mount can be made in the target's namespace */
};

/*
 * sandbox.ptrace.performance: calls the user asked to leave to the kernel,
 * unrecorded. Only calls the policy allows whatever their path leave;
 * off[] says which request was kept decided and the rule that keeps it.
 */
struct plan_static {
	bool read_open; /* arg_level_filter: read-only open/openat */
	bool file;      /* static_allow_file: every file call */
	char off[3][224];
};
void plan_static(const struct policy *p, bool arg_level_filter, bool static_allow_file,
		 bool static_allow_network, struct plan_static *out);

const char *plan_mode_name(enum plan_mode m);
int plan_mode_parse(const char *s, enum plan_mode *out);
const char *plan_backend_name(enum plan_backend b);
/* Whether this build and machine can run m; why says what is missing. */
bool plan_mode_supported(enum plan_mode m, const struct detect_result *dr, char *why,
			 size_t why_len);

/* p may be NULL (no policy: everything traced for the record). 0 or -errno. */
int plan_build(const struct policy *p, const struct detect_result *dr,
	       const struct plan_config *cfg, enum plan_mode mode, struct plan *out);
void plan_free(struct plan *pl);
/* The partition as a table (agentsh detect --plan). */
void plan_write(FILE *f, const struct plan *pl);

/* policy/plan_export.c: the compiled rules, read-only. Sections: */
enum {
	PLAN_SEC_FILE,
	PLAN_SEC_NETWORK,
	PLAN_SEC_COMMAND,
	PLAN_SEC_UNIX,
	PLAN_SEC_SIGNAL,
	PLAN_SEC_CONNECT_REDIRECT, /* count only */
	PLAN_SEC_DNS_REDIRECT,     /* count only */
};
size_t policy_export_count(const struct policy *p, int section);
int policy_export_head(const struct policy *p, int section, size_t i, const char **name,
		       enum decision *d);
int policy_export_file_rule(const struct policy *p, size_t i, const struct policy_vars *vars,
			    unsigned *ops, bool *redirect, char **paths, size_t cap,
			    size_t *npaths);
int policy_export_net_rule(const struct policy *p, size_t i, long *ports, size_t cap,
			   size_t *nports, size_t *ndomains, size_t *ncidrs);

#endif /* !AGENTSH_ENFORCE_PLAN_H */
