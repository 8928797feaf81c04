/* The ptrace engine: spawn or attach, one event loop, the tracee table. */
#ifndef AGENTSH_TRACER_H
#define AGENTSH_TRACER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch/arch.h"
#include "syscalls/op.h"

struct policy;
struct tracer;
struct enforce;
struct scratch_mm;

/* sandbox.ptrace.* (compat.md §2) plus wrap's own options. */
struct tracer_opts {
	bool trace_execve, trace_file, trace_network, trace_signal;
	bool trace_creds;       /* stop at set*id/setgroups/capset (TC_CREDS): seccomp-notify */
	bool seccomp_prefilter; /* false: stop at every syscall (gVisor) */
	int max_tracees;        /* fork/clone beyond it fails with EAGAIN */
	long max_hold_ms;       /* approvals */
	bool no_new_privs;      /* force PR_SET_NO_NEW_PRIVS even with CAP_SYS_ADMIN */
	/* Read-only open/openat are left to the kernel, unrecorded: the planner
	 * sets it only when the policy allows every such open
	 * (performance.arg_level_filter). */
	bool static_read_open;
	/* In the child before the prefilter (and after child_setup): a kernel
	 * guard for what leaves the traced set (landlock_scope_domain). */
	int (*child_guard)(void);
	/* The tree runs in a Landlock domain agentsh is not in (a backend or
	 * child_guard put it there): it may not follow agentsh's fd links, so
	 * path calls are pinned by name (tracer/anchor.c). */
	bool tree_landlocked;
	/* trace.verify_open: exit-time check of opened fds. AUTO = only where
	 * openat2 pinning is unavailable. */
	enum { VERIFY_AUTO = 0, VERIFY_ALWAYS, VERIFY_NEVER } verify_open;
	/* Accelerating backends: called in the traced child after it is seized
	 * and before the prefilter and exec (Landlock, a notify filter ...).
	 * Must not allocate. A non-zero return aborts the command (exit 126). */
	int (*child_setup)(void *ctx);
	void *child_ctx;
};

/* An extra fd the loop polls (a notify listener, a ring buffer ...). */
typedef void (*tracer_fd_cb)(struct tracer *t, int fd, void *ctx);
int tracer_add_fd(struct tracer *t, int fd, tracer_fd_cb cb, void *ctx);
/* The spawned command's pid, once running (0 before). */
pid_t tracer_root_pid(const struct tracer *t);
/* A traced thread's process, parent process and exec depth (tracer/query.c);
 * -ESRCH when the tracer has not seen tid yet. */
int tracer_proc_info(struct tracer *t, pid_t tid, pid_t *tgid, pid_t *ppid, int *depth);
/* tid's root hint for fs_resolve_in ("" = our root and mount namespace; NULL
 * unknown), and whether opens may use the directory cache (FS_CACHED). */
const char *tracer_root_hint(struct tracer *t, pid_t tid, bool *dircache);
/* Whether tid's file-system credentials are known to be the tracer's own
 * (seccomp-notify opens files for it). Forgotten at every exec and every
 * credential-changing call (TC_CREDS, traced with trace_creds). */
enum tracee_creds { TRACEE_CREDS_UNKNOWN = 0, TRACEE_CREDS_OURS, TRACEE_CREDS_OTHER };
enum tracee_creds tracer_creds_state(struct tracer *t, pid_t tid);
/* Whether another task may write tid's memory through a shared address
 * space (true when tid is unknown). */
bool tracer_mm_shared(struct tracer *t, pid_t tid);
/* Whether another task may change tid's fd table (true when tid is unknown). */
bool tracer_files_shared(struct tracer *t, pid_t tid);
void tracer_creds_set(struct tracer *t, pid_t tid, enum tracee_creds c);

void tracer_opts_defaults(struct tracer_opts *o);

enum tracee_state {
	TS_RUNNING = 0,
	TS_WAIT_PARENT, /* seen stopped before its parent's fork event: held */
	TS_WAIT_FIRST,  /* announced by the parent, its first stop not yet seen */
	TS_HELD,        /* stopped at a syscall awaiting an approval */
	TS_GROUP_STOP,  /* in a group-stop (PTRACE_LISTEN) */
	TS_NS_WAIT,     /* a path call waiting, undecided, for the one in flight (tracer/anchor.c) */
};

struct tracee {
	pid_t tid;
	pid_t tgid;
	pid_t ppid;  /* parent process (tgid) in the tree; 0 for the root */
	int depth;   /* exec depth of the current image; -1 before the root's first exec */
	enum tracee_state state;
	bool is_thread;
	bool want_exit;       /* resume the current syscall with an exit stop */
	bool deny_at_exit;    /* no-prefilter mode: rewrite the return value at exit */
	int64_t exit_ret;     /* ... to this value */
	uint64_t pending_clone_flags;
	pid_t ghost;          /* a child killed at its fork event (max_tracees): its SIGCHLD is ours */
	int pending_resume_sig;
	bool cur_at_seccomp;  /* the current syscall stop is a seccomp stop */
	enum abi cur_abi;
	bool hold_at_seccomp;
	uint64_t hold_id;     /* approval being waited for */
	const char *hold_rule; /* its rule (lives as long as the policy) */
	int64_t hold_deadline_ms;
	char *verify_path;     /* exit-time verification of the current open, or NULL */
	struct unix_redirect *unix_redir; /* redirect_to_unix in progress (tracer/unix_redirect.c) */
	unsigned verify_ops;
	uint8_t creds;         /* enum tracee_creds */
	int8_t anchor_ok;      /* may follow our fd links (tracer/anchor.c): 0 unknown, 1, -1 */
	bool landlocked;       /* made a Landlock domain of its own (inherited) */
	bool files_shared;     /* another task may use its fd table (CLONE_FILES, attached) */
	bool ns_guard;         /* its pinned-by-name call is in flight (tracer/anchor.c) */
	uint8_t nanchors;      /* the fds its last anchored call goes through */
	int anchor_fd[3];
	long anchor_nr;        /* ... and that call, to know it when restarted */
	uint64_t anchor_args[6];
	struct scratch_mm *mm; /* the address space's scratch region (shared by threads) */
	int slot;             /* this thread's slot in it, -1 none */
	uint64_t stub_trap_ip; /* exec-time mapping stub's int3 (tracer/scratch.c), 0 none;
				* kept: a SIGTRAP stop is checked against it */
	uint64_t stub_entry;   /* ... and the entry point it returns to */
	/* An allowed exec's program (its interpreter for a "#!" script), by
	 * identity: the exec event checks that this is what the kernel ran. */
	bool exec_expect;
	bool exec_known; /* false: not known at the decision, decided at the event */
	dev_t exec_dev;
	ino_t exec_ino;
	struct tracee *hnext; /* hash chain */
};

/* Receives each decided operation; the event JSON is built by enforce/. */
struct tracer_stats {
	uint64_t stops, seccomp_stops, syscall_stops, decisions, denies, tracees_max;
	unsigned live;
};

/* Creates a tracer for argv with opts; policy may be NULL (allow all). */
int tracer_new(const struct tracer_opts *o, struct enforce *enf, struct tracer **out);
void tracer_free(struct tracer *t);
/* Spawns argv traced from its first instruction and runs the loop until it
 * exits. Returns the shell-style exit status (128+N on signal N), or -errno
 * for a failure before the command ran. */
int tracer_run_command(struct tracer *t, char *const argv[], char *const envp[]);
/* Attaches to running process pid (and its descendants) and runs the loop
 * until it exits (its status) or agentsh is told to stop (0, detached). */
int tracer_run_attached(struct tracer *t, pid_t pid);
/* Wakes the loop from another thread (approval answered). */
void tracer_wake(struct tracer *t);
const struct tracer_stats *tracer_stats(const struct tracer *t);

/* Tracee table (tracer/tracee.c). */
struct tracee_table;
struct tracee_table *tracee_table_new(void);
void tracee_table_free(struct tracee_table *tt);
struct tracee *tracee_find(struct tracee_table *tt, pid_t tid);
struct tracee *tracee_add(struct tracee_table *tt, pid_t tid);
void tracee_remove(struct tracee_table *tt, pid_t tid);
unsigned tracee_count(const struct tracee_table *tt);
void tracee_foreach(struct tracee_table *tt, void (*fn)(struct tracee *, void *), void *ctx);

/* Prefilter (tracer/prefilter.c): builds the BPF program for opts. The
 * caller loads it in the child. */
struct prefilter;
int prefilter_build(const struct tracer_opts *o, struct prefilter **out);
int prefilter_load(struct prefilter *pf);
void prefilter_free(struct prefilter *pf);
int prefilter_export(struct prefilter *pf, int fd);
struct sock_fprog;
/* A libseccomp filter as raw BPF (prog->filter malloc'd), built before a
 * fork so the child only makes one seccomp(2) call: nothing that allocates
 * or locks runs between fork and exec. */
int prefilter_export_prog(void *scmp_ctx, struct sock_fprog *prog);
/* Adds every ABI we decode besides the native one to a libseccomp filter. */
int prefilter_add_abis(void *scmp_ctx);
struct syscall_def;
/* Adds an open-family call with action: every call, or with static_read only
 * the calls that may write or create (open, openat). */
int prefilter_add_open(void *scmp_ctx, uint32_t action, const struct syscall_def *sc, int nr,
		       bool static_read);
/* Whether the prefilter's argument filters pass this call (prctl, ioctl,
 * prlimit64); true for calls it traces whole. */
bool prefilter_traces_args(const struct syscall_def *sc, const uint64_t args[6]);
/* Whether opts trace syscalls of this trace class (enum trace_class). */
bool tracer_traces_class(const struct tracer_opts *o, int trace_class);

#endif /* !AGENTSH_TRACER_H */
