/*
 * Attach mode (sidecar): seize a running process tree, give it the prefilter
 * by syscall injection, and trace it from then on. Detaching (SIGTERM to
 * agentsh) leaves it running.
 */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "scratch.h"
#include "syscalls/syscalls.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PTRACE_OPTIONS_ATTACH                                                                      \
	(PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACESECCOMP | PTRACE_O_TRACEFORK |  \
	 PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)
#define MAX_ROUNDS 64

static int read_status_field(pid_t pid, const char *key, long *out)
{
	char p[64], line[256];
	size_t kl = strlen(key);
	FILE *f;
	int r = -ENOENT;

	snprintf(p, sizeof(p), "/proc/%d/status", pid);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			*out = strtol(line + kl + 1, NULL, 10);
			r = 0;
			break;
		}
	fclose(f);
	return r;
}

/* Seizes and stops one thread; 1 if new, 0 if known, -errno. */
static int seize_thread(struct tracer *t, pid_t tid, pid_t tgid, pid_t ppid)
{
	struct tracee *tr;
	int status;

	if (tracee_find(t->tt, tid))
		return 0;
	if (ptrace(PTRACE_SEIZE, tid, 0, PTRACE_OPTIONS_ATTACH) < 0)
		return errno == ESRCH ? 0 : -errno;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 || waitpid(tid, &status, __WALL) < 0)
		return 0; /* exited meanwhile */
	tr = tracee_add(t->tt, tid);
	if (!tr)
		return -ENOMEM;
	tr->tgid = tgid;
	tr->ppid = ppid;
	tr->depth = 0;
	tr->is_thread = tid != tgid;
	tr->files_shared = true; /* who shares its fd table is not known */
	if (tracee_count(t->tt) > t->stats.tracees_max)
		t->stats.tracees_max = tracee_count(t->tt);
	return 1;
}

/* Every thread of pid, re-reading the task list until a round adds none. */
static int seize_process(struct tracer *t, pid_t pid, pid_t ppid)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/task", pid);
	for (int round = 0; round < MAX_ROUNDS; round++) {
		DIR *d = opendir(p);
		struct dirent *de;
		int added = 0;

		if (!d)
			return -errno;
		while ((de = readdir(d))) {
			pid_t tid = (pid_t)atoi(de->d_name);
			int r = tid > 0 ? seize_thread(t, tid, pid, ppid) : 0;
			if (r < 0) {
				closedir(d);
				return r;
			}
			added += r;
		}
		closedir(d);
		if (!added)
			return 0;
	}
	return -EAGAIN;
}

/* Existing descendants are seized too: nothing of the tree runs unseen. */
static void seize_descendants(struct tracer *t, pid_t root)
{
	bool grew = true;

	for (int pass = 0; grew && pass < MAX_ROUNDS; pass++) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		grew = false;
		if (!d)
			return;
		while ((de = readdir(d))) {
			pid_t pid = (pid_t)atoi(de->d_name);
			long ppid = 0;
			struct tracee *parent;

			if (pid <= 0 || tracee_find(t->tt, pid) ||
			    read_status_field(pid, "PPid", &ppid) < 0)
				continue;
			parent = tracee_find(t->tt, (pid_t)ppid);
			if (!parent || parent->is_thread)
				continue;
			if (seize_process(t, pid, (pid_t)ppid) == 0)
				grew = true;
		}
		closedir(d);
	}
}

/* Writes the prefilter's BPF into the scratch region and installs it with
 * TSYNC, after NO_NEW_PRIVS, by injection. */
static int inject_prefilter(struct tracer *t, struct tracee *tr)
{
	struct sock_filter prog[4096];
	uint64_t args[6] = { 0 };
	int fd = memfd_create("agentsh-bpf", MFD_CLOEXEC);
	ssize_t n;
	int64_t r;

	if (fd < 0)
		return -errno;
	r = prefilter_export(t->pf, fd);
	n = r ? -1 : pread(fd, prog, sizeof(prog), 0);
	close(fd);
	if (n <= 0 || n % (ssize_t)sizeof(prog[0]))
		return r ? (int)r : -EIO;
	struct {
		uint64_t len;
		uint64_t filter;
	} fprog = { (uint64_t)(n / (ssize_t)sizeof(prog[0])), 0 };
	fprog.filter = scratch_put(tr, SCRATCH_OFF_ARGV, prog, (size_t)n);
	uint64_t at = scratch_put(tr, SCRATCH_OFF_MSG, &fprog, sizeof(fprog));
	if (!fprog.filter || !at)
		return -ENOMEM;
	args[0] = PR_SET_NO_NEW_PRIVS;
	args[1] = 1;
	r = tracer_inject_syscall(tr, SYS_prctl, args);
	if (r)
		return (int)r;
	memset(args, 0, sizeof(args));
	args[0] = SECCOMP_SET_MODE_FILTER;
	args[1] = SECCOMP_FILTER_FLAG_TSYNC;
	args[2] = at;
	r = tracer_inject_syscall(tr, SYS_seccomp, args);
	return r == 0 ? 0 : (r < 0 ? (int)r : -EBUSY); /* >0: a thread refused TSYNC */
}

struct setup {
	struct tracer *t;
	int failed;
};

/* Per process (thread group leader): scratch region, then the prefilter. */
static void setup_process(struct tracee *tr, void *ctx)
{
	struct setup *s = ctx;
	int r;

	if (tr->is_thread || tr->mm)
		return;
	tr->mm = scratch_mm_new();
	r = scratch_map(tr, false);
	if (r > 0)
		r = 0;
	if (!r && s->t->pf)
		r = inject_prefilter(s->t, tr);
	if (r) {
		log_warn("pid %d: cannot inject the prefilter (%s): stopping at every syscall",
			 tr->tid, strerror(-r));
		s->failed++;
	}
}

static void share_mm(struct tracee *tr, void *ctx)
{
	struct tracer *t = ctx;
	struct tracee *leader;

	if (!tr->is_thread || tr->mm)
		return;
	leader = tracee_find(t->tt, tr->tgid);
	tr->mm = leader ? scratch_mm_ref(leader->mm) : NULL;
}

static void resume_all(struct tracee *tr, void *ctx)
{
	tracer_resume(ctx, tr, 0);
}

int tracer_attach(struct tracer *t, pid_t pid)
{
	struct setup s = { .t = t };
	long ppid = 0;
	int r;

	read_status_field(pid, "PPid", &ppid);
	r = seize_process(t, pid, 0);
	if (r)
		return log_errno(r, "cannot attach to pid %d (ptrace refused: check "
				    "/proc/sys/kernel/yama/ptrace_scope and CAP_SYS_PTRACE)",
				 pid);
	t->root_pid = pid;
	t->attached = true;
	seize_descendants(t, pid);
	tracee_foreach(t->tt, setup_process, &s);
	tracee_foreach(t->tt, share_mm, t);
	if (s.failed)
		t->o.seccomp_prefilter = false;
	log_info("attached to %d: %u threads and processes", pid, tracee_count(t->tt));
	tracee_foreach(t->tt, resume_all, t);
	return 0;
}

/* Stops, un-holds and detaches every tracee; the tree goes on untraced. */
static void detach_one(struct tracee *tr, void *ctx)
{
	struct tracer *t = ctx;
	int status;

	if (tr->state == TS_HELD)
		tracer_fail_syscall(t, tr, tr->hold_at_seccomp, -EACCES);
	else if (ptrace(PTRACE_INTERRUPT, tr->tid, 0, 0) == 0)
		waitpid(tr->tid, &status, __WALL);
	ptrace(PTRACE_DETACH, tr->tid, 0, 0);
}

void tracer_detach_all(struct tracer *t)
{
	tracee_foreach(t->tt, detach_one, t);
}
