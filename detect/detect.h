/* Capability detector: real kernel probes and what they mean for enforcement. */
#ifndef AGENTSH_DETECT_H
#define AGENTSH_DETECT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define DETECT_DETAIL_MAX 96
#define DETECT_PATH_MAX 512

/* One probe's outcome: ok says the mechanism works here, detail says why not (or how). */
struct detect_probe {
	bool ok;
	char detail[DETECT_DETAIL_MAX];
	double ms;
};

enum detect_fuse_method {
	DETECT_FUSE_NONE,
	DETECT_FUSE_FUSERMOUNT, /* suid fusermount3/fusermount on PATH */
	DETECT_FUSE_NEW_API,    /* fsopen("fuse") works: CAP_SYS_ADMIN + new mount API */
	DETECT_FUSE_DIRECT,     /* mount(2) allowed with CAP_SYS_ADMIN */
};

/* Capability bits the planner cares about (linux/capability.h numbers). */
#define DETECT_CAP_NET_ADMIN 12
#define DETECT_CAP_SYS_PTRACE 19
#define DETECT_CAP_SYS_ADMIN 21
#define DETECT_CAP_PERFMON 38
#define DETECT_CAP_BPF 39

struct detect_result {
	struct detect_probe ptrace;   /* PTRACE_SEIZE + PTRACE_INTERRUPT of a forked child */
	int yama_ptrace_scope;        /* 0..3, or -1 when Yama is absent */
	bool cap_sys_ptrace;

	struct detect_probe seccomp;  /* SECCOMP_SET_MODE_FILTER in a probe child */
	struct detect_probe seccomp_notify; /* SECCOMP_FILTER_FLAG_NEW_LISTENER gave a listener fd */

	struct detect_probe landlock; /* landlock_create_ruleset(NULL, 0, VERSION) */
	int landlock_abi;             /* 0 when unavailable */
	bool landlock_network;        /* ABI >= 4: TCP bind/connect rules */

	struct detect_probe ebpf;     /* cgroup/connect4 program loaded and attached in a probe cgroup */

	struct detect_probe fuse;
	enum detect_fuse_method fuse_method;
	bool dev_fuse;                /* /dev/fuse opened O_RDWR */
	bool fusermount;              /* fusermount3 (or fusermount) on PATH */

	struct detect_probe cgroup2;  /* usable for resource limits */
	bool cgroup2_mounted;
	char cgroup2_mount[DETECT_PATH_MAX]; /* mount point, e.g. /sys/fs/cgroup/unified */
	char cgroup2_path[DETECT_PATH_MAX];  /* this process's own cgroup directory */
	char cgroup2_controllers[128];       /* cgroup.controllers of our cgroup, space separated */
	bool cgroup2_writable;               /* a probe child cgroup could be created and removed */

	struct detect_probe pid_namespace; /* NSpid has more than one level */
	int pidns_depth;

	struct detect_probe caps;     /* capability-drop: effective or bounding set reduced */
	uint64_t cap_effective;
	uint64_t cap_bounding;
	int cap_last;
	int caps_dropped_effective;
	int caps_dropped_bounding;

	struct detect_probe gvisor;   /* ok = running under gVisor (the Sentry) */

	double total_ms;
};

/* Runs every probe. Leaves no state behind (children reaped, cgroups removed). */
void detect_run(struct detect_result *r);

/* Individual probes, each filling its part of r. */
void detect_probe_ptrace(struct detect_result *r);
void detect_probe_seccomp(struct detect_result *r);
void detect_probe_landlock(struct detect_result *r);
void detect_probe_cgroup2(struct detect_result *r);
void detect_probe_ebpf(struct detect_result *r);
void detect_probe_fuse(struct detect_result *r);
void detect_probe_pidns(struct detect_result *r);
void detect_probe_caps(struct detect_result *r);
void detect_probe_gvisor(struct detect_result *r);

/* Sets p->detail from a format and returns p->ok = ok. */
bool detect_set(struct detect_probe *p, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- model: domains, score, mode (compat.md §7) ---- */

#define DETECT_MAX_BACKENDS 3
#define DETECT_NUM_DOMAINS 5

struct detect_backend {
	const char *name;
	bool available;
	char detail[DETECT_DETAIL_MAX];
	const char *description;
	const char *check_method;
};

struct detect_domain {
	const char *name;
	int weight;
	int score;
	struct detect_backend backends[DETECT_MAX_BACKENDS];
	int n_backends;
	const char *active; /* "" when no backend is active */
};

struct detect_tip {
	const char *feature;
	const char *status;
	char impact[160];
	const char *action;
};

enum detect_mode {
	DETECT_MODE_MINIMAL,
	DETECT_MODE_LANDLOCK_ONLY,
	DETECT_MODE_LANDLOCK,
	DETECT_MODE_PTRACE,
	DETECT_MODE_FULL,
};

struct detect_model {
	const char *platform;
	enum detect_mode mode;
	int score;
	struct detect_domain domains[DETECT_NUM_DOMAINS];
	struct detect_tip tips[DETECT_NUM_DOMAINS * DETECT_MAX_BACKENDS];
	int n_tips;
};

/* Pure: builds the domains, score, tips and auto mode from probe results. */
void detect_model_build(const struct detect_result *r, struct detect_model *m);

/* The mode security.mode=auto picks. ptrace is agentsh's core, so it ranks above Landlock. */
enum detect_mode detect_select_mode(const struct detect_result *r);
/* Whether this machine can run mode (full needs seccomp-notify, eBPF and FUSE, ...). */
bool detect_mode_supported(const struct detect_result *r, enum detect_mode mode);
const char *detect_mode_name(enum detect_mode mode);
/* Parses full|ptrace|landlock|landlock-only|minimal; "auto" is not a mode. -EINVAL if unknown. */
int detect_mode_parse(const char *s, enum detect_mode *out);
/*
 * Resolves security.mode (auto or a mode name) against this machine, honouring
 * minimum_mode (NULL = none) and strict. Returns 0 with *out set, or -ENOTSUP with
 * a reason in why (e.g. "security.mode full needs seccomp-notify, ebpf, fuse").
 */
int detect_resolve_mode(const struct detect_result *r, const char *requested, const char *minimum,
			bool strict, enum detect_mode *out, char *why, size_t why_len);

/* ---- output ---- */

enum detect_format { DETECT_FORMAT_TABLE, DETECT_FORMAT_JSON, DETECT_FORMAT_YAML };

/* Writes the compat.md §7 report. Returns 0 or -errno. */
int detect_write(FILE *out, const struct detect_result *r, const struct detect_model *m,
		 enum detect_format fmt);
/* Writes the config snippet (security, sandbox, landlock, capabilities) for this machine. */
int detect_write_config(FILE *out, const struct detect_result *r, const struct detect_model *m);

#endif /* !AGENTSH_DETECT_H */
