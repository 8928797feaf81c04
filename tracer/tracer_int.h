/* Internals shared by the tracer/ sources. */
#ifndef AGENTSH_TRACER_INT_H
#define AGENTSH_TRACER_INT_H

#include "tracer.h"
#include "enforce/creds.h"
#include "enforce/enforce.h"

#include <linux/sched.h>

struct tracer {
	struct tracer_opts o;
	struct enforce *enf;
	struct tracee_table *tt;
	struct prefilter *pf;
	struct op op; /* scratch: one op decoded at a time */
	uint64_t cur_args[6]; /* the current stop's syscall arguments */
	long cur_nr;          /* and its number, as PTRACE_GET_SYSCALL_INFO gave them */
	uint32_t cur_arch;
	uint8_t cur_op;       /* PTRACE_SYSCALL_INFO_SECCOMP or _ENTRY */
	struct tracer_stats stats;
	int sigfd;
	int wakefd;
	pid_t root_pid;
	pid_t self_pid;
	unsigned nheld; /* tracees held for an approval */
	unsigned busy_rounds;
	struct {
		int fd;
		tracer_fd_cb cb;
		void *ctx;
	} extra[8];
	int nextra;
	bool root_done;
	bool attached; /* attach mode: stop = detach, not kill */
	bool have_openat2; /* pinning can refuse swapped symlinks */
	/* PTRACE_SET_SYSCALL_INFO (Linux 6.16): 0 untried, 1 works, -1 refused */
	int set_sc_info;
	int root_status;
	struct creds_self self_creds; /* read at the first soft_delete */
	bool have_self_creds;
	int8_t self_dumpable; /* PR_GET_DUMPABLE, read once: 0 unknown, 1, -1 */
	bool ns_strict;       /* a name could not be anchored: path calls one at a time */
	unsigned ns_guarded;  /* path calls in flight (tracer/anchor.c) */
	unsigned ns_waiting;  /* path calls waiting, undecided, for them to end */
	int64_t ns_deadline_ms;
	bool sigpipe_dfl; /* SIGPIPE was SIG_DFL: ignored here, restored in the command */
	bool sink_killed; /* the events sink failed: the tree was killed, exit 125 */
};

int tracer_loop(struct tracer *t);
void tracer_resume(struct tracer *t, struct tracee *tr, int sig);
void tracer_on_syscall(struct tracer *t, struct tracee *tr);
void tracer_on_approvals(struct tracer *t);
void tracer_check_deadlines(struct tracer *t);
int64_t tracer_next_deadline(struct tracer *t);
int64_t tracer_now_ms(void);
/* tracer/pin.c: copies an allowed call's checked arguments into the scratch
 * region and points the call there. 0 or -errno (then the call is denied). */
int tracer_pin(struct tracer *t, struct tracee *tr, const struct op *op);
/* tracer/anchor.c: path, as judged, opened by the tracer without following
 * any symlink (its directory, or the object itself when `object`), and the
 * name through that fd written to out: 0; 1 when it cannot be anchored here
 * (pin path as it is); -errno when the name no longer leads where it did. */
int tracer_anchor(struct tracer *t, struct tracee *tr, const char *path, bool object, char *out,
		  size_t cap);
/* The file the tracee's fd names, taken by the tracer (pidfd_getfd) and
 * checked to be judged's: its /proc/<agentsh>/fd/K name in out, 0. When
 * the tree may not follow our links: 1 for a process alone with its fd
 * table (the call may run as it is), else 2 when judged is a name to pin,
 * 3 when it is none (a socket, a deleted file). 1 when the tracer may not
 * take it; -EAGAIN when fd names another file by
 * now, -EBADF for an O_PATH fd unless o_path_ok (fchmod & co. refuse it);
 * a symlink's (O_PATH | O_NOFOLLOW): 4 with o_path_ok (our link to it would
 * name its target: pin it by its name), else -ENOTSUP; other -errno. */
int tracer_anchor_fd(struct tracer *t, struct tracee *tr, int fd, const char *judged,
		     bool o_path_ok, char *out, size_t cap);
/* The pinned call (its number and final arguments), to know it again. */
void tracer_anchor_note(struct tracee *tr, long nr, const uint64_t args[6]);
/* At tr's next traced syscall: true when it is the anchored call again (a
 * restart after a signal: already decided, its fds kept); else the fds are
 * closed. */
bool tracer_anchor_restart(struct tracee *tr, long nr, const uint64_t args[6]);
void tracer_anchor_release(struct tracee *tr);
/* Where names cannot all be anchored (ns_strict), path calls other than
 * opens run one at a time: begin gives an allowed one an exit stop, end
 * (at that stop) decides the next waiting one. */
void tracer_guard_begin(struct tracer *t, struct tracee *tr);
void tracer_guard_end(struct tracer *t, struct tracee *tr);
/* At tr's stop for sc, before it is decided: true when it must wait (it
 * stays stopped, undecided, and is decided when the call in flight ends). */
bool tracer_guard_wait(struct tracer *t, struct tracee *tr, const struct syscall_def *sc);
void tracer_guard_deadline(struct tracer *t, int64_t now_ms);
/* A connect or send to 0.0.0.0 or ::, op->addr made the address it reaches
 * (op->any_dest); the socket is the current call's first argument. */
void tracer_any_destination(struct tracer *t, struct tracee *tr, struct op *op);
/* tracer/mmsg.c: decides and pins every message of a sendmmsg; false when
 * there is nothing to decide (no message names an address). */
bool tracer_sendmmsg(struct tracer *t, struct tracee *tr, bool at_seccomp, const uint64_t args[6],
		     struct op *op, struct decision_out *d, const struct proc_info *pi);
int tracer_attach(struct tracer *t, pid_t pid);
void tracer_detach_all(struct tracer *t);
int tracer_pin_sockaddr(struct tracee *tr, const struct op *op, const void *sa, size_t len);
int tracer_pin_env(struct tracer *t, struct tracee *tr, const struct op *op,
		   const struct verdict *v, const struct policy *p);
/* tracer/unix_redirect.c */
int tracer_unix_redirect_start(struct tracer *t, struct tracee *tr, bool at_seccomp,
			       const struct op *op, const struct decision_out *d);
void tracer_unix_redirect_exit(struct tracer *t, struct tracee *tr);
bool tracer_unix_redirect_armed(struct tracee *tr, long nr, const uint64_t args[6]);
/* The deny event of a fork/clone beyond max_tracees (op: the call). */
void tracer_record_max_tracees(struct tracer *t, struct tracee *tr, struct op *op);
/* At the exec event of tr: the program the kernel ran is the one caller's
 * exec was allowed for (by identity), or it is decided now; a denied one
 * is killed before its first instruction (true). */
/* At an exec event: ld.so run directly gets its opens judged as its exec
 * until it has its program (enforce/ldso.c). */
/* At a signal-delivery-stop: a core dump where the policy denies the
 * file it makes is prevented (RLIMIT_CORE 0), with a deny event. */
void tracer_core_check(struct tracer *t, struct tracee *tr, int sig);
/* At an exec event: a loader that is not the system's, decided again as
 * the exec it is (a deny kills the process). True if killed. */
bool tracer_loader_verify(struct tracer *t, struct tracee *tr);
void tracer_ldso_note(struct tracer *t, struct tracee *tr);
bool tracer_exec_verify(struct tracer *t, struct tracee *tr, const struct tracee *caller);
/* Drops a tracee and what it holds (slot, address space reference). */
void tracer_drop(struct tracer *t, struct tracee *tr);
/* tracer/inject.c: runs syscall nr in the stopped tracee; its return or -errno. */
int64_t tracer_inject_syscall(struct tracee *tr, long nr, const uint64_t args[6]);
/* At an exec stop: the same with one stop (x86_64: syscall then int3). */
int64_t tracer_inject_syscall_trap(struct tracee *tr, long nr, const uint64_t args[6]);
/* tracer/actions.c: verdicts that change what the syscall does. */
void tracer_soft_delete(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op,
			const struct decision_out *d);
void tracer_redirect(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op,
		     const struct decision_out *d);
int tracer_redirect_exec(struct tracer *t, struct tracee *tr, const struct op *op,
			 const struct decision_out *d);
void tracer_fail_syscall(struct tracer *t, struct tracee *tr, bool at_seccomp, int64_t ret);

#endif /* !AGENTSH_TRACER_INT_H */
