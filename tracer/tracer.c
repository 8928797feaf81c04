/* Creating a tracer and running one command under it. */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "syscalls/syscalls.h"
#include "scratch.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#define PTRACE_OPTIONS                                                                             \
	(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |  \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)

void tracer_opts_defaults(struct tracer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->trace_execve = o->trace_file = o->trace_network = o->trace_signal = true;
	o->seccomp_prefilter = true;
	o->max_tracees = 500;
	o->max_hold_ms = 5000;
}

/* openat2 (5.6+) is what makes an open refuse a swapped-in symlink. */
static bool probe_openat2(void)
{
	struct { uint64_t flags, mode, resolve; } how = { O_PATH | O_CLOEXEC, 0, 0 };
	long fd = syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof(how));

	if (fd < 0)
		return false;
	close((int)fd);
	return true;
}

static bool tree_has(void *ctx, pid_t pid)
{
	struct tracer *t = ctx;

	return tracee_find(t->tt, pid) != NULL;
}

int tracer_new(const struct tracer_opts *o, struct enforce *enf, struct tracer **out)
{
	struct tracer *t = calloc(1, sizeof(*t));
	int r;

	if (!t)
		return -ENOMEM;
	t->o = *o;
	t->enf = enf;
	t->sigfd = t->wakefd = -1;
	t->self_pid = getpid();
	t->tt = tracee_table_new();
	if (enf)
		enforce_set_tree(enf, tree_has, t);
	/* AGENTSH_TEST_NO_OPENAT2=1 simulates a kernel without it (gVisor, < 5.6),
	 * so the exit-time fallback is tested on hosts that have it. */
	t->have_openat2 = probe_openat2() && !getenv("AGENTSH_TEST_NO_OPENAT2");
	t->ns_strict = o->tree_landlocked; /* no fd-link names there (anchor.c) */
	/* AGENTSH_TEST_NO_SET_SYSCALL_INFO=1: pins with GETREGS/SETREGS as on
	 * kernels before 6.16. */
	t->set_sc_info = getenv("AGENTSH_TEST_NO_SET_SYSCALL_INFO") ? -1 : 0;
	r = t->tt ? syscalls_init() : -ENOMEM;
	syscalls_set_guard(SCRATCH_BASE, SCRATCH_SIZE);
	if (!r && o->seccomp_prefilter)
		r = prefilter_build(o, &t->pf);
	if (r) {
		tracer_free(t);
		return r;
	}
	*out = t;
	return 0;
}

static void drop_mm(struct tracee *tr, void *ctx)
{
	scratch_mm_unref(tr->mm);
	tr->mm = NULL;
}

void tracer_free(struct tracer *t)
{
	if (!t)
		return;
	log_info("tracer: %llu stops (%llu seccomp, %llu syscall), %llu decisions, %llu denies, "
		 "%llu tracees at most",
		 (unsigned long long)t->stats.stops, (unsigned long long)t->stats.seccomp_stops,
		 (unsigned long long)t->stats.syscall_stops, (unsigned long long)t->stats.decisions,
		 (unsigned long long)t->stats.denies, (unsigned long long)t->stats.tracees_max);
	op_reset(&t->op);
	if (t->enf)
		enforce_set_tree(t->enf, NULL, NULL);
	if (t->tt)
		tracee_foreach(t->tt, drop_mm, NULL);
	tracee_table_free(t->tt);
	prefilter_free(t->pf);
	safe_close(t->sigfd);
	safe_close(t->wakefd);
	free(t);
}

const struct tracer_stats *tracer_stats(const struct tracer *t)
{
	return &t->stats;
}

int tracer_add_fd(struct tracer *t, int fd, tracer_fd_cb cb, void *ctx)
{
	if (t->nextra >= (int)ARRAY_SIZE(t->extra))
		return -ENOSPC;
	t->extra[t->nextra].fd = fd;
	t->extra[t->nextra].cb = cb;
	t->extra[t->nextra].ctx = ctx;
	t->nextra++;
	return 0;
}

pid_t tracer_root_pid(const struct tracer *t)
{
	return t->root_pid;
}

void tracer_wake(struct tracer *t)
{
	uint64_t one = 1;

	if (write(t->wakefd, &one, sizeof(one)) < 0)
		log_debug("wake: %s", strerror(errno));
}

static bool have_cap_sys_admin(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d) < 0)
		return false;
	return d[CAP_SYS_ADMIN / 32].effective & (1u << (CAP_SYS_ADMIN % 32));
}

/* The child: wait to be seized, install the prefilter, exec. Nothing of the
 * command runs before the tracer holds it. */
static void child_main(struct tracer *t, char *const argv[], char *const envp[],
		       const sigset_t *oldmask, int errpipe)
{
	int err;

	sigprocmask(SIG_SETMASK, oldmask, NULL);
	if (t->sigpipe_dfl)
		signal(SIGPIPE, SIG_DFL);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	raise(SIGSTOP);
	if (t->o.child_setup && t->o.child_setup(t->o.child_ctx)) {
		err = EPERM;
		if (write(errpipe, &err, sizeof(err)) < 0)
			_exit(126);
		_exit(126);
	}
	if (t->o.child_guard && (err = t->o.child_guard()) < 0) {
		errno = -err;
		goto fail;
	}
	if (t->pf) {
		if ((t->o.no_new_privs || !have_cap_sys_admin()) &&
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			goto fail;
		err = prefilter_load(t->pf);
		if (err) {
			errno = -err;
			goto fail;
		}
	}
	execvpe(argv[0], argv, envp);
fail:
	err = errno;
	if (write(errpipe, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(err == ENOENT ? 127 : 126);
}

static int setup_fds(struct tracer *t, sigset_t *oldmask)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &mask, oldmask) < 0)
		return -errno;
	/* A closed events reader must be an error we report (EPIPE), not our
	 * death; the command gets the disposition we were given. */
	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) {
		t->sigpipe_dfl = true;
		signal(SIGPIPE, SIG_IGN);
	}
	t->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	t->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return t->sigfd < 0 || t->wakefd < 0 ? -errno : 0;
}

/* Seizes the stopped child, lets it go on under the tracer. */
static int seize_child(struct tracer *t, pid_t pid)
{
	int status;
	struct tracee *tr;

	if (waitpid(pid, &status, WSTOPPED) < 0)
		return -errno;
	if (!WIFSTOPPED(status))
		return -ECHILD;
	if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_OPTIONS) < 0) {
		int r = -errno;
		log_error("ptrace(PTRACE_SEIZE) refused: %s (ptrace is needed: check "
			  "/proc/sys/kernel/yama/ptrace_scope, CAP_SYS_PTRACE, or the container's "
			  "seccomp profile)",
			  strerror(-r));
		kill(pid, SIGKILL);
		return r;
	}
	tr = tracee_add(t->tt, pid);
	if (!tr)
		return -ENOMEM;
	tr->mm = scratch_mm_new();
	t->root_pid = pid;
	t->stats.tracees_max = tracee_count(t->tt);
	kill(pid, SIGCONT);
	return 0;
}

int tracer_run_command(struct tracer *t, char *const argv[], char *const envp[])
{
	sigset_t oldmask;
	int errpipe[2], r, err = 0;
	pid_t pid;

	r = setup_fds(t, &oldmask);
	if (r)
		return log_errno(r, "cannot set up signal handling");
	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		child_main(t, argv, envp, &oldmask, errpipe[1]);
	close(errpipe[1]);
	r = seize_child(t, pid);
	if (r) {
		close(errpipe[0]);
		return r;
	}
	r = tracer_loop(t);
	if (read(errpipe[0], &err, sizeof(err)) == sizeof(err) && err)
		log_error("%s: %s", argv[0], strerror(err));
	close(errpipe[0]);
	return r;
}

int tracer_run_attached(struct tracer *t, pid_t pid)
{
	sigset_t oldmask;
	int r = setup_fds(t, &oldmask);

	if (r)
		return log_errno(r, "cannot set up signal handling");
	r = tracer_attach(t, pid);
	if (r)
		return r;
	return tracer_loop(t);
}
