/*
 * The event loop: every ptrace stop of every tracee comes through here.
 * Stops are classified by the kernel (PTRACE_GET_SYSCALL_INFO for syscall
 * stops, the event in status >> 16 for the rest), never by a toggled flag.
 */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "scratch.h"
#include "syscalls/syscalls.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>

#define PTRACE_EVENT_STOP_ 128

static void resume(struct tracer *t, struct tracee *tr, int sig)
{
	int req = t->o.seccomp_prefilter && !tr->want_exit ? PTRACE_CONT : PTRACE_SYSCALL;

	if (ptrace(req, tr->tid, 0, (long)sig) < 0 && errno != ESRCH)
		log_debug("resume %d: %s", tr->tid, strerror(errno));
}

void tracer_resume(struct tracer *t, struct tracee *tr, int sig)
{
	tr->state = TS_RUNNING;
	resume(t, tr, sig);
}

/* A new tracee's first stop, or its parent's fork event, may come first.
 * A child already stopped (TS_WAIT_PARENT) is left for the caller to
 * resume. */
static struct tracee *child_announced(struct tracer *t, struct tracee *parent, pid_t tid)
{
	struct tracee *c = tracee_find(t->tt, tid);
	bool thread = parent->pending_clone_flags & CLONE_THREAD;
	bool seen = c != NULL;

	if (!c && !(c = tracee_add(t->tt, tid)))
		return NULL;
	c->is_thread = thread;
	scratch_mm_unref(c->mm);
	c->mm = parent->pending_clone_flags & CLONE_VM ? scratch_mm_ref(parent->mm)
						       : scratch_mm_fork(parent->mm);
	c->tgid = thread ? parent->tgid : tid;
	/* A thread, or a CLONE_PARENT child, has its creator's parent. */
	c->ppid = thread || (parent->pending_clone_flags & CLONE_PARENT) ? parent->ppid : parent->tgid;
	c->depth = parent->depth;
	c->landlocked = parent->landlocked;
	/* A thread, or a clone(CLONE_FILES) child, shares its creator's fd
	 * table: either may dup2() over the other's fds (tracer/pin.c). */
	c->files_shared = parent->pending_clone_flags & CLONE_FILES;
	if (c->files_shared)
		parent->files_shared = true;
	/* The same credentials until an exec or a set*id call, unless the
	 * child starts in a user namespace of its own. */
	c->anchor_ok = parent->pending_clone_flags & CLONE_NEWUSER ? 0 : parent->anchor_ok;
	if (!seen)
		c->state = TS_WAIT_FIRST;
	if (tracee_count(t->tt) > t->stats.tracees_max)
		t->stats.tracees_max = tracee_count(t->tt);
	return c;
}

/* The clone flags of the call a tracee is in at its fork, vfork or clone
 * event: fork and vfork imply theirs; clone's are in its registers, and
 * matter even for the fork and vfork events (a clone(CLONE_VM | SIGCHLD)
 * reports a fork event but shares the memory, and with it the scratch
 * slots). Unknown (the tracee is gone): shared memory and fd table, the
 * cautious answer for the scratch region and for fd changes (tracer/pin.c). */
static uint64_t clone_flags_now(struct tracee *tr)
{
	struct __ptrace_syscall_info si;
	const struct syscall_def *sc;
	struct arch_regs r;
	enum abi abi;
	long nr;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tr->tid, sizeof(si), &si) < 0 ||
	    arch_host->get_regs(tr->tid, &r) < 0)
		return CLONE_VM | CLONE_THREAD | CLONE_FILES;
	nr = arch_host->get_nr(&r);
	abi = arch_abi_from_audit(si.arch, nr);
	sc = abi == ABI_UNKNOWN ? NULL : syscalls_lookup(abi, nr);
	if (!sc)
		return CLONE_VM | CLONE_THREAD | CLONE_FILES;
	if (strcmp(sc->name, "fork") == 0)
		return 0;
	if (strcmp(sc->name, "vfork") == 0)
		return CLONE_VM | CLONE_VFORK;
	return arch_host->get_arg(&r, abi, 0);
}

/*
 * A new process beyond max_tracees. fork and vfork cost no seccomp stop
 * (tracer/prefilter.c), so the count is checked here, where the child
 * exists but has run none of its code: it is killed before it runs and the
 * call fails with EAGAIN in the parent, written at its syscall-exit stop.
 * The parent does not hear the child's SIGCHLD (on_stop): unless another
 * child's exit coincides with it (one SIGCHLD pending at a time), nothing
 * tells it of the refused one, which like any dead child stays for wait()
 * to reap.
 */
static void refuse_child(struct tracer *t, struct tracee *parent, struct tracee *c, int event)
{
	const char *name = event == PTRACE_EVENT_FORK ? "fork" :
			   event == PTRACE_EVENT_VFORK ? "vfork" : "clone";

	op_reset(&t->op);
	t->op.kind = OP_PROCESS;
	t->op.sc = syscalls_by_name(name);
	t->op.name = name;
	t->op.flags = parent->pending_clone_flags;
	tracer_record_max_tracees(t, parent, &t->op);
	kill(c->tid, SIGKILL);
	/* Reaped now, so its SIGCHLD reaches the parent before the fork
	 * returns, and is withheld there, one refusal at a time. */
	for (int i = 0; i < 64; i++) {
		int st;
		pid_t w = waitpid(c->tid, &st, __WALL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			break;
		ptrace(PTRACE_CONT, c->tid, 0, 0); /* a stop on its way out */
	}
	parent->ghost = c->tid;
	tracer_drop(t, c);
	parent->want_exit = true;
	parent->deny_at_exit = true;
	parent->exit_ret = -EAGAIN;
}

static void on_fork_event(struct tracer *t, struct tracee *tr, int event)
{
	unsigned long msg = 0;
	struct tracee *c;

	tr->pending_clone_flags = clone_flags_now(tr);
	if (ptrace(PTRACE_GETEVENTMSG, tr->tid, 0, &msg) == 0 && msg &&
	    (c = child_announced(t, tr, (pid_t)msg))) {
		if (!c->is_thread && (int)tracee_count(t->tt) > t->o.max_tracees)
			refuse_child(t, tr, c, event);
		else if (c->state == TS_WAIT_PARENT)
			tracer_resume(t, c, 0);
	}
	tr->pending_clone_flags = 0;
	resume(t, tr, 0);
}

/* The SIGCHLD of a child refused at its fork event is not the parent's:
 * for the parent, that fork failed. */
static bool ghost_sigchld(struct tracee *tr)
{
	siginfo_t si;

	if (ptrace(PTRACE_GETSIGINFO, tr->tid, 0, &si) < 0 || si.si_pid != tr->ghost)
		return false;
	tr->ghost = 0;
	return true;
}

/* exec from a non-leader thread: the leader's tid is taken over by the
 * execing thread, whose old tid vanishes without an exit report. */
static void on_exec_event(struct tracer *t, struct tracee *tr)
{
	unsigned long former = 0;
	struct tracee *caller = tr; /* the thread that called execve */

	if (ptrace(PTRACE_GETEVENTMSG, tr->tid, 0, &former) == 0 && former &&
	    (pid_t)former != tr->tid) {
		struct tracee *old = tracee_find(t->tt, (pid_t)former);
		caller = old;
		if (old)
			tr->depth = old->depth;
	}
	tr->depth++;
	bool killed = tracer_exec_verify(t, tr, caller);

	killed = killed || tracer_loader_verify(t, tr);
	if (caller && caller != tr)
		tracer_drop(t, caller);
	tr->exec_expect = false;
	if (killed)
		return; /* the loop sees it go */
	tracer_ldso_note(t, tr);
	tr->is_thread = false;
	tr->tgid = tr->tid;
	tr->files_shared = false; /* exec unshares the fd table */
	tr->creds = TRACEE_CREDS_UNKNOWN; /* a set-id or file-capability program */
	tr->anchor_ok = 0;
	/* Whatever this thread had in flight ended with the old image: its
	 * anchored call must not be taken for a restart in the new one. */
	tracer_anchor_release(tr);
	tracer_guard_end(t, tr);
	/* A new address space: map its scratch region before any of it runs. */
	scratch_release_slot(tr);
	struct scratch_mm *old_mm = tr->mm;
	tr->mm = scratch_mm_new();
	scratch_mm_inherit_root(tr->mm, old_mm);
	scratch_mm_unref(old_mm);
	int r = scratch_map(tr, true);
	if (r == 0)
		t->stats.stops++; /* the injection's own */
	else if (r < 0)
		log_warn("pid %d: cannot map the scratch region: its checked calls will be denied",
			 tr->tid);
	resume(t, tr, tr->pending_resume_sig);
	tr->pending_resume_sig = 0;
}

static bool is_group_stop_sig(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void on_event_stop(struct tracer *t, struct tracee *tr, int sig)
{
	if (is_group_stop_sig(sig)) {
		/* Group-stop: stay stopped as without a tracer, but keep
		 * reporting (PTRACE_LISTEN) so SIGCONT and SIGKILL work. */
		tr->state = TS_GROUP_STOP;
		if (ptrace(PTRACE_LISTEN, tr->tid, 0, 0) < 0 && errno != ESRCH)
			log_debug("listen %d: %s", tr->tid, strerror(errno));
		return;
	}
	if (tr->state == TS_WAIT_FIRST || tr->state == TS_GROUP_STOP)
		tr->state = TS_RUNNING;
	resume(t, tr, 0);
}

static void on_tracee_exit(struct tracer *t, pid_t tid, int status)
{
	if (tid == t->root_pid) {
		t->root_done = true;
		t->root_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	struct tracee *tr = tracee_find(t->tt, tid);
	if (tr)
		tracer_drop(t, tr);
}

void tracer_drop(struct tracer *t, struct tracee *tr)
{
	free(tr->verify_path);
	tr->verify_path = NULL;
	free(tr->unix_redir);
	tr->unix_redir = NULL;
	tracer_anchor_release(tr);
	tracer_guard_end(t, tr);
	if (tr->state == TS_NS_WAIT)
		t->ns_waiting--;
	if (tr->state == TS_HELD)
		t->nheld--;
	scratch_release_slot(tr);
	scratch_mm_unref(tr->mm);
	if (!tr->is_thread)
		enforce_ldso_forget(t->enf, tr->tgid);
	tracee_remove(t->tt, tr->tid);
}

/* A stop from a tid we have not been told about: a new child whose
 * parent's event is still to come. Hold it until then. */
static struct tracee *unknown_stop(struct tracer *t, pid_t tid)
{
	struct tracee *tr = tracee_add(t->tt, tid);

	if (tr)
		tr->state = TS_WAIT_PARENT;
	return tr;
}

static void on_stop(struct tracer *t, struct tracee *tr, int status)
{
	int sig = WSTOPSIG(status);
	int event = status >> 16;

	t->stats.stops++;
	if (sig == (SIGTRAP | 0x80) || event == PTRACE_EVENT_SECCOMP) {
		tracer_on_syscall(t, tr);
		return;
	}
	switch (event) {
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		on_fork_event(t, tr, event);
		return;
	case PTRACE_EVENT_EXEC:
		on_exec_event(t, tr);
		return;
	case PTRACE_EVENT_EXIT:
		resume(t, tr, 0);
		return;
	case PTRACE_EVENT_STOP_:
		on_event_stop(t, tr, sig);
		return;
	case 0:
		break;
	default:
		resume(t, tr, 0);
		return;
	}
	/* Signal-delivery-stop: deliver it as is. */
	if (sig == SIGTRAP && tr->stub_trap_ip && scratch_exec_trap(tr))
		sig = 0;
	if (sig == SIGCHLD && tr->ghost && ghost_sigchld(tr))
		sig = 0;
	if (tr->state == TS_WAIT_FIRST)
		tr->state = TS_RUNNING;
	if (sig)
		tracer_core_check(t, tr, sig);
	resume(t, tr, sig);
}

static void handle_status(struct tracer *t, pid_t tid, int status)
{
	struct tracee *tr;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		on_tracee_exit(t, tid, status);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	tr = tracee_find(t->tt, tid);
	if (!tr) {
		unknown_stop(t, tid);
		return;
	}
	if (tr->state == TS_WAIT_PARENT)
		return;
	on_stop(t, tr, status);
}

/* Drains every pending wait status without blocking; true if any. */
static bool reap(struct tracer *t)
{
	bool any = false;

	for (;;) {
		int status;
		pid_t tid = waitpid(-1, &status, __WALL | WNOHANG);

		if (tid <= 0)
			return any;
		any = true;
		handle_status(t, tid, status);
	}
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/*
 * A tracee just resumed usually stops again soon. Sleeping in poll() lets
 * this CPU go idle, and waking an idle virtual CPU costs far more than the
 * stop itself (35-65 us against 3-4 us here), so the loop looks again for a
 * bounded while before it blocks, yielding the CPU to anything runnable.
 * The bound trades CPU for wall time. bench/run.sh, median of 5 rounds,
 * ratio to native (wall / CPU), spin 60 us: forkexec 1.71x / 2.53x, python
 * 1.23x / 1.38x, build 1.75x / 1.28x; 100 us: 1.62x / 2.64x, 1.19x / 1.42x,
 * 1.73x / 1.32x; 200 us: 1.68x / 2.85x, 1.29x / 1.75x, 1.82x / 1.44x.
 */
#define SPIN_NS 100000

static bool spin_reap(struct tracer *t, struct pollfd *extra, nfds_t nextra)
{
	int64_t end = now_ns() + SPIN_NS;

	do {
		if (reap(t))
			return true;
		/* A backend's request (a seccomp-notify open) is waiting: its
		 * caller is blocked on us, so stop looking for stops. */
		if (nextra && poll(extra, nextra, 0) > 0)
			return false;
		/* On one CPU the tracee we just resumed needs this CPU to reach
		 * its next stop: 26 -> 21 us per traced openat there. */
		sched_yield();
	} while (!t->root_done && now_ns() < end);
	return false;
}

/* Terminal-generated signals reach the command's process group by
 * themselves; forwarding them again would deliver them twice. */
static void forward_signal(struct tracer *t, const struct signalfd_siginfo *si)
{
	if (t->attached) {
		/* A sidecar told to stop lets go of the tree, which runs on. */
		if (t->o.seccomp_prefilter)
			log_warn("detaching from %d: its injected prefilter stays (a kernel filter "
				 "cannot be removed), so its traced syscalls now fail with ENOSYS; "
				 "attach with --no-prefilter to detach cleanly",
				 t->root_pid);
		tracer_detach_all(t);
		t->root_done = true;
		t->root_status = 0;
		return;
	}
	if (si->ssi_code == SI_KERNEL && getpgid(t->root_pid) == getpgrp())
		return;
	if (t->root_pid > 0)
		kill(t->root_pid, (int)si->ssi_signo);
}

static void read_signals(struct tracer *t)
{
	struct signalfd_siginfo si;

	while (read(t->sigfd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo != SIGCHLD)
			forward_signal(t, &si);
}

static int poll_timeout(struct tracer *t)
{
	int64_t next = tracer_next_deadline(t);

	if (next < 0)
		return -1;
	next -= tracer_now_ms();
	return next < 0 ? 0 : (int)(next > 60000 ? 60000 : next);
}

static void kill_tracee(struct tracee *tr, void *ctx)
{
	(void)ctx;
	kill(tr->tid, SIGKILL);
}

int tracer_loop(struct tracer *t)
{
	while (!t->root_done) {
		/* Kill once, then reap as usual (exit stops, zombies). */
		if (!t->sink_killed && enforce_sink_broken(t->enf)) {
			t->sink_killed = true;
			tracee_foreach(t->tt, kill_tracee, NULL);
		}
		struct pollfd pfd[3 + ARRAY_SIZE(t->extra)] = {
			{ .fd = t->sigfd, .events = POLLIN },
			{ .fd = t->wakefd, .events = POLLIN },
			{ .fd = enforce_approver_fd(t->enf), .events = POLLIN },
		};

		for (int i = 0; i < t->nextra; i++) {
			pfd[3 + i].fd = t->extra[i].fd;
			pfd[3 + i].events = POLLIN;
		}
		bool busy = spin_reap(t, pfd + 3, (nfds_t)t->nextra);

		if (t->root_done)
			break;
		/* While tracees keep stopping, the other fds (signals, approvals,
		 * backends) are looked at every 16th round, without blocking. */
		if (busy && ++t->busy_rounds % 16)
			continue;
		if (poll(pfd, 3 + (nfds_t)t->nextra, busy ? 0 : poll_timeout(t)) < 0 &&
		    errno != EINTR)
			return -errno;
		for (int i = 0; i < t->nextra; i++)
			if (pfd[3 + i].revents)
				t->extra[i].cb(t, t->extra[i].fd, t->extra[i].ctx);
		if (pfd[0].revents)
			read_signals(t);
		if (pfd[1].revents) {
			uint64_t v;
			if (read(t->wakefd, &v, sizeof(v)) < 0)
				log_debug("wakefd: %s", strerror(errno));
		}
		if (pfd[2].revents)
			tracer_on_approvals(t);
		tracer_check_deadlines(t);
	}
	return t->sink_killed ? 125 : t->root_status;
}
