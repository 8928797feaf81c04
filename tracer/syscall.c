/* A syscall stop: decode, decide, apply. */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "syscalls/syscalls.h"
#include "scratch.h"
#include "fs/resolve.h"
#include "procstat.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fnmatch.h>
#include <sys/sysmacros.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

int64_t tracer_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fails the current syscall with -err. At a seccomp stop the kernel skips a
 * call whose number is -1 and returns what the return register holds; at a
 * syscall-entry stop we also rewrite the result at the exit stop. */
void tracer_fail_syscall(struct tracer *t, struct tracee *tr, bool at_seccomp, int64_t ret)
{
	struct arch_regs regs;

	if (arch_host->get_regs(tr->tid, &regs) < 0)
		return;
	arch_host->set_nr(&regs, -1);
	arch_host->set_ret(&regs, ret);
	if (arch_host->set_regs(tr->tid, &regs) < 0)
		log_debug("deny %d: %s", tr->tid, strerror(errno));
	if (!at_seccomp) {
		tr->deny_at_exit = true;
		tr->exit_ret = ret;
	}
}

static void proc_info_of(const struct tracee *tr, struct proc_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->pid = tr->tgid;
	pi->tid = tr->tid;
	pi->ppid = tr->ppid;
	pi->depth = tr->depth;
}

/* The fd an allowed open returned names the file the kernel opened: judge
 * that file; if it is not allowed, close the fd in the tracee and fail. */
static void verify_open_exit(struct tracer *t, struct tracee *tr)
{
	struct arch_regs regs;
	struct proc_info pi;
	struct verdict v;
	char link[64], opened[PATH_MAX];
	int64_t fd;
	ssize_t n;

	if (arch_host->get_regs(tr->tid, &regs) < 0)
		return;
	fd = arch_host->get_ret(&regs);
	if (fd < 0)
		return;
	snprintf(link, sizeof(link), "/proc/%d/fd/%lld", tr->tgid, (long long)fd);
	n = readlink(link, opened, sizeof(opened) - 1);
	if (n <= 0)
		return;
	opened[n] = 0;
	if (opened[0] != '/' || strcmp(opened, tr->verify_path) == 0)
		return;
	proc_info_of(tr, &pi);
	op_reset(&t->op);
	t->op.sc = syscalls_by_name("openat");
	t->op.name = "openat";
	t->op.ops = tr->verify_ops;
	snprintf(t->op.p1.path, sizeof(t->op.p1.path), "%s", tr->verify_path);
	if (enforce_verify_open(t->enf, &pi, &t->op, opened, &v))
		return;
	uint64_t args[6] = { (uint64_t)fd };
	tracer_inject_syscall(tr, SYS_close, args);
	if (arch_host->get_regs(tr->tid, &regs) == 0) {
		arch_host->set_ret(&regs, -EACCES);
		arch_host->set_regs(tr->tid, &regs);
	}
	t->stats.denies++;
}

static void on_syscall_exit(struct tracer *t, struct tracee *tr)
{
	if (tr->unix_redir)
		tracer_unix_redirect_exit(t, tr);
	if (tr->verify_path) {
		verify_open_exit(t, tr);
		free(tr->verify_path);
		tr->verify_path = NULL;
	}
	if (tr->deny_at_exit) {
		struct arch_regs regs;

		tr->deny_at_exit = false;
		if (arch_host->get_regs(tr->tid, &regs) == 0) {
			arch_host->set_ret(&regs, tr->exit_ret);
			arch_host->set_regs(tr->tid, &regs);
		}
	}
	tr->want_exit = false;
	tracer_guard_end(t, tr);
	tracer_resume(t, tr, 0);
}


/* A fork/clone beyond max_tracees: the deny event (the call then fails with
 * EAGAIN, at its seccomp stop or, for fork events, at its exit stop). */
void tracer_record_max_tracees(struct tracer *t, struct tracee *tr, struct op *op)
{
	struct proc_info pi;
	struct verdict v;

	memset(&v, 0, sizeof(v));
	v.decision = v.effective = DECISION_DENY;
	v.rule = "max-tracees";
	snprintf(v.message, sizeof(v.message), "more than %d processes and threads",
		 t->o.max_tracees);
	proc_info_of(tr, &pi);
	enforce_record(t->enf, &pi, op, &v, NULL);
}

/* fork/clone seen at entry (no-prefilter mode; with the prefilter only new
 * threads and CLONE_UNTRACED, see tracer/prefilter.c): max_tracees, and
 * CLONE_UNTRACED stripped. clone3 -> ENOSYS (its flags live in memory
 * another thread can rewrite; libc falls back to clone). */
static bool on_process(struct tracer *t, struct tracee *tr, enum abi abi, bool at_seccomp,
		       struct op *op)
{
	if (strcmp(op->name, "clone3") == 0) {
		tracer_fail_syscall(t, tr, at_seccomp, -ENOSYS);
		return true;
	}
	/* A child in a new mount or user namespace: what unshare() with those
	 * flags is refused for (deny-unshare), so the same under a policy. */
	if ((op->flags & (CLONE_NEWNS | CLONE_NEWUSER)) && enforce_policy(t->enf)) {
		struct proc_info pi;
		struct verdict v;

		memset(&v, 0, sizeof(v));
		v.decision = v.effective = DECISION_DENY;
		v.rule = "deny-clone-namespace";
		snprintf(v.message, sizeof(v.message),
			 "a new mount or user namespace is not allowed in a session");
		proc_info_of(tr, &pi);
		enforce_record(t->enf, &pi, op, &v, NULL);
		tracer_fail_syscall(t, tr, at_seccomp, -EPERM);
		return true;
	}
	if ((int)tracee_count(t->tt) >= t->o.max_tracees) {
		tracer_record_max_tracees(t, tr, op);
		tracer_fail_syscall(t, tr, at_seccomp, -EAGAIN);
		return true;
	}
	if (op->flags & CLONE_UNTRACED) {
		struct arch_regs regs;

		if (arch_host->get_regs(tr->tid, &regs) == 0) {
			arch_host->set_arg(&regs, abi, 0, op->flags & ~(uint64_t)CLONE_UNTRACED);
			arch_host->set_regs(tr->tid, &regs);
		}
	}
	return false;
}

static pid_t tgid_of(struct tracer *t, pid_t tid)
{
	struct tracee *x = tracee_find(t->tt, tid);

	return x ? x->tgid : tid;
}

static bool is_ancestor(struct tracer *t, pid_t anc, pid_t pid)
{
	for (int i = 0; i < 4096 && pid > 0; i++) {
		struct tracee *x = tracee_find(t->tt, pid);
		if (!x)
			return false;
		if (x->ppid == anc)
			return true;
		pid = x->ppid;
	}
	return false;
}

/* Whether tid's pids are ours: a signal's target pid means the same process
 * to it and to us only in the same pid namespace. */
static bool same_pid_ns(pid_t tid)
{
	char p[64], ours[64], theirs[64];
	ssize_t a, b;

	snprintf(p, sizeof(p), "/proc/%d/ns/pid", tid);
	a = readlink("/proc/self/ns/pid", ours, sizeof(ours));
	b = readlink(p, theirs, sizeof(theirs));
	return a > 0 && a == b && memcmp(ours, theirs, (size_t)a) == 0;
}

/* A process that has exited but not been waited for leaves the tracee table
 * at once; its parent may still signal it (natively that succeeds and does
 * nothing). Its parent's pid when target is such a zombie, else 0. */
static pid_t zombie_parent(pid_t target)
{
	char state;
	pid_t ppid;

	return proc_stat(target, &state, &ppid) == 0 && state == 'Z' ? ppid : 0;
}

/* One target process's relation to the sender, as signal_rules target types. */
static unsigned sig_relation_to(struct tracer *t, const struct tracee *tr, pid_t target)
{
	struct tracee *x;
	struct stat st;
	char p[64];
	unsigned rel = 0;

	if (target == tr->tgid)
		return SIGREL_SELF;
	x = tracee_find(t->tt, target);
	pid_t xppid = x && !x->is_thread ? x->ppid : 0;
	bool zombie = false;
	if (!x && same_pid_ns(tr->tid) && (xppid = zombie_parent(target)) > 0 &&
	    tracee_find(t->tt, xppid))
		zombie = true; /* a dead child of the tree, not yet waited for */
	else if (!x || x->is_thread) {
		snprintf(p, sizeof(p), "/proc/%d", target);
		if (target == 1 || stat(p, &st) < 0 || st.st_uid != geteuid())
			return SIGREL_EXTERNAL | SIGREL_SYSTEM;
		return SIGREL_EXTERNAL | SIGREL_USER;
	}
	rel = SIGREL_SESSION;
	if (xppid == tr->tgid)
		rel |= SIGREL_CHILDREN | SIGREL_DESCENDANTS;
	else if (is_ancestor(t, tr->tgid, zombie ? xppid : target))
		rel |= SIGREL_DESCENDANTS;
	if (xppid == tr->ppid && xppid)
		rel |= SIGREL_SIBLINGS;
	if (tr->ppid == target)
		rel |= SIGREL_PARENT;
	return rel;
}

static unsigned sig_relations(struct tracer *t, const struct tracee *tr, const struct op *op)
{
	pid_t target = op->target_pid ? op->target_pid : tgid_of(t, op->target_tid);

	if (op->target_group) /* members unknown (group_relations): assume the worst */
		return SIGREL_EXTERNAL | SIGREL_SYSTEM;
	return sig_relation_to(t, tr, target);
}

#define MAX_GROUP_RELS 16

/*
 * kill(0, sig) and kill(-pgid, sig) reach every process of a group: the
 * distinct relations of its members, so that the signal is decided for each
 * (decide_signal takes the strictest). The number of distinct sets, 0 for
 * an empty group (ESRCH natively), -1 when the members cannot be listed
 * (kill(-1): every process; another pid namespace): then the group counts
 * as outside the session.
 */
static int group_relations(struct tracer *t, const struct tracee *tr, pid_t raw, unsigned *rels)
{
	pid_t pgid = raw == 0 ? getpgid(tr->tid) : -raw;
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (raw == -1 || pgid <= 0 || !same_pid_ns(tr->tid) || !(d = opendir("/proc")))
		return -1;
	while ((de = readdir(d))) {
		char state, *end;
		pid_t pid = (pid_t)strtol(de->d_name, &end, 10), ppid, pg;
		unsigned rel;
		int i;

		if (pid <= 0 || *end || proc_stat_ids(pid, &state, &ppid, &pg) < 0 || pg != pgid)
			continue;
		rel = sig_relation_to(t, tr, pid);
		for (i = 0; i < n && rels[i] != rel; i++)
			;
		if (i < n)
			continue;
		if (n == MAX_GROUP_RELS) {
			n = -1;
			break;
		}
		rels[n++] = rel;
	}
	closedir(d);
	return n;
}

static void read_comm(pid_t pid, char *out, size_t cap)
{
	char p[64];
	FILE *f;

	out[0] = 0;
	snprintf(p, sizeof(p), "/proc/%d/comm", pid);
	f = fopen(p, "re");
	if (!f)
		return;
	if (fgets(out, (int)cap, f))
		out[strcspn(out, "\n")] = 0;
	fclose(f);
}

static void hold(struct tracer *t, struct tracee *tr, const struct decision_out *d)
{
	long ms = d->v.timeout_ms > 0 ? d->v.timeout_ms : t->o.max_hold_ms;

	tr->state = TS_HELD;
	tr->hold_id = d->approval_id;
	tr->hold_rule = d->v.rule;
	tr->hold_deadline_ms = tracer_now_ms() + ms;
	tr->hold_at_seccomp = tr->cur_at_seccomp;
	t->nheld++;
}

/* Whether tr is still stopped at the syscall stop being handled. */
static bool still_at_stop(struct tracer *t, struct tracee *tr)
{
	struct __ptrace_syscall_info si;

	return ptrace(PTRACE_GET_SYSCALL_INFO, tr->tid, sizeof(si), &si) > 0 && si.op == t->cur_op;
}

/* The program an allowed exec will run, by identity (a script: its
 * interpreter; read at decode), for tracer_exec_verify; when it could not
 * be read (no regular file, a name that did not resolve, an interpreter
 * past the depth read) whatever runs is decided at the event. Nothing
 * expected for one not allowed. */
static void exec_expect(struct tracee *tr, const struct op *op, bool allowed)
{
	/* execveat(fd, "", AT_EMPTY_PATH) too: another thread may dup2()
	 * another file onto fd before the kernel looks (esc_exec_fd_dup2_race). */
	tr->exec_expect = allowed && (op->p1.raw[0] || (op->flags & AT_EMPTY_PATH));
	tr->exec_known = op->prog_known;
	tr->exec_dev = op->prog_dev;
	tr->exec_ino = op->prog_ino;
}

/* argv of the image that just started, from /proc/PID/cmdline. */
static void read_cmdline(pid_t tid, struct op *op)
{
	static char buf[OP_MAX_ARGV_BYTES];
	char p[64];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%d/cmdline", tid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	if (!(op->argv = calloc(OP_MAX_ARGC + 1, sizeof(*op->argv))))
		return;
	for (char *s = buf; s < buf + n && op->argc < OP_MAX_ARGC; s += strlen(s) + 1)
		if (!(op->argv[op->argc++] = strdup(s)))
			break;
}

bool tracer_exec_verify(struct tracer *t, struct tracee *tr, const struct tracee *caller)
{
	bool killed = false;
	struct op *op = &t->op;
	struct verdict v;
	struct proc_info pi;
	struct stat st;
	char p[64];
	ssize_t n;

	if (!caller || !caller->exec_expect)
		return false;
	snprintf(p, sizeof(p), "/proc/%d/exe", tr->tid);
	if (caller->exec_known && stat(p, &st) == 0 && st.st_dev == caller->exec_dev &&
	    st.st_ino == caller->exec_ino)
		return false;
	/* Another program than the one allowed (a name swapped after the
	 * decision, a kernel handler such as binfmt_misc in between) or one
	 * not known then: decided as the exec it is; a deny kills it before its
	 * first instruction. */
	op_reset(op);
	op->kind = OP_EXEC;
	op->sc = syscalls_by_name("execve");
	op->name = "execve";
	n = readlink(p, op->p1.path, sizeof(op->p1.path) - 1);
	op->p1.path[n > 0 ? n : 0] = 0;
	memcpy(op->p1.raw, op->p1.path, sizeof(op->p1.raw));
	op->npaths = 1;
	if (n <= 0) {
		op->err = -ESRCH;
		op->err_what = "program";
	}
	read_cmdline(tr->tid, op);
	proc_info_of(tr, &pi);
	t->stats.decisions++;
	/* The exec was recorded at its decision; only a deny now adds one. */
	enforce_decide_quiet(t->enf, &pi, op, &v);
	if (v.effective != DECISION_ALLOW && enforce_policy(t->enf)) { /* no hold, no redirect here */
		enforce_record(t->enf, &pi, op, &v, NULL);
		t->stats.denies++;
		log_warn("pid %d: exec ran %s, not the program allowed: killed", tr->tid,
			 op->p1.path);
		killed = kill(tr->tid, SIGKILL) == 0;
	}
	op_reset(op);
	return killed;
}

/* Signals whose default action dumps core (signal(7)). */
static bool dumps_core(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS: case SIGFPE:
	case SIGSEGV: case SIGSYS: case SIGXCPU: case SIGXFSZ:
		return true;
	default:
		return false;
	}
}

/* Whether tid catches or ignores sig (its status's SigCgt / SigIgn). */
static bool sig_handled(pid_t tid, int sig)
{
	char p[64], line[256];
	bool handled = false;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/status", tid);
	if (!(f = fopen(p, "re")))
		return true; /* gone: nothing dumps */
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "SigCgt:", 7) == 0 || strncmp(line, "SigIgn:", 7) == 0)
			handled |= (strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1;
	fclose(f);
	return handled;
}

static void read_small(const char *path, char *out, size_t cap)
{
	FILE *f = fopen(path, "re");

	out[0] = 0;
	if (f && fgets(out, (int)cap, f))
		out[strcspn(out, "\n")] = 0;
	if (f)
		fclose(f);
}

/* The file core_pattern makes for tr (core(5)): specifiers expanded as far
 * as they name it, relative to the process's cwd. false: no file (a pipe,
 * a removed cwd). */
static bool core_file(const struct tracee *tr, int sig, char *out, size_t cap, bool *relative)
{
	char pat[256], val[PATH_MAX], p[64], *o = out, *end = out + cap - 1;
	bool has_pid = false;
	ssize_t n;

	read_small("/proc/sys/kernel/core_pattern", pat, sizeof(pat));
	if (!pat[0] || pat[0] == '|')
		return false;
	*relative = pat[0] != '/';
	if (*relative) {
		snprintf(p, sizeof(p), "/proc/%d/cwd", tr->tgid);
		n = readlink(p, out, cap - 2);
		if (n <= 0 || (n > 10 && strncmp(out + n - 10, " (deleted)", 10) == 0))
			return false;
		o = out + n;
		*o++ = '/';
	}
	for (const char *c = pat; *c && o < end; c++) {
		if (*c != '%') {
			*o++ = *c;
			continue;
		}
		val[0] = 0;
		switch (*++c) {
		case 0:
			c--;
			break;
		case '%':
			snprintf(val, sizeof(val), "%%");
			break;
		case 'p': case 'P':
			has_pid = true;
			snprintf(val, sizeof(val), "%d", tr->tgid);
			break;
		case 'i': case 'I':
			snprintf(val, sizeof(val), "%d", tr->tid);
			break;
		case 's':
			snprintf(val, sizeof(val), "%d", sig);
			break;
		case 't':
			snprintf(val, sizeof(val), "%lld", (long long)time(NULL));
			break;
		case 'h':
			gethostname(val, sizeof(val) - 1);
			break;
		case 'e':
			snprintf(p, sizeof(p), "/proc/%d/comm", tr->tgid);
			read_small(p, val, sizeof(val));
			break;
		default: /* uid, gid, exe path: never a directory of their own */
			snprintf(val, sizeof(val), "_");
			break;
		}
		for (const char *v = val; *v && o < end; v++)
			*o++ = *v == '/' ? '!' : *v;
	}
	*o = 0;
	read_small("/proc/sys/kernel/core_uses_pid", val, sizeof(val));
	if (!has_pid && strcmp(val, "1") == 0)
		snprintf(o, (size_t)(end - o) + 1, ".%d", tr->tgid);
	return true;
}

/*
 * A signal that dumps core makes the kernel write a file no call of the
 * tree names: core_pattern's, often relative to the process's cwd (a
 * protected directory it chdir()ed into). Decided as a create of that
 * file; where that is denied the process's RLIMIT_CORE becomes 0 before
 * the signal is delivered, so it dies as it would, without the file
 * (esc_core_dump_plant). Only a deny is recorded.
 */
void tracer_core_check(struct tracer *t, struct tracee *tr, int sig)
{
	struct op *op = &t->op;
	struct rlimit rl;
	struct proc_info pi;
	struct verdict v;
	bool relative;

	if (!enforce_policy(t->enf) || !dumps_core(sig) || sig_handled(tr->tid, sig) ||
	    prlimit(tr->tgid, RLIMIT_CORE, NULL, &rl) < 0 || rl.rlim_cur == 0)
		return;
	op_reset(op);
	op->kind = OP_FILE;
	op->sc = syscalls_by_name("openat");
	op->name = "coredump";
	op->ops = FOP_CREATE | FOP_WRITE;
	op->open_flags = O_CREAT | O_WRONLY | O_TRUNC;
	if (!core_file(tr, sig, op->p1.path, sizeof(op->p1.path), &relative)) {
		op_reset(op);
		return;
	}
	snprintf(op->p1.raw, sizeof(op->p1.raw), "%s", op->p1.path);
	op->npaths = 1;
	proc_info_of(tr, &pi);
	t->stats.decisions++;
	enforce_decide_quiet(t->enf, &pi, op, &v);
	/* Relative to a cwd another thread could change before the dump. */
	if (v.effective != DECISION_DENY && relative && tracer_mm_shared(t, tr->tid)) {
		v.rule = "coredump-unpinnable";
		snprintf(v.message, sizeof(v.message),
			 "a core file relative to a cwd other threads may change");
		v.effective = DECISION_DENY;
	}
	if (v.effective != DECISION_ALLOW && v.effective != DECISION_AUDIT) {
		v.decision = v.effective = DECISION_DENY;
		enforce_record(t->enf, &pi, op, &v, NULL);
		t->stats.denies++;
		rl.rlim_cur = 0;
		if (prlimit(tr->tgid, RLIMIT_CORE, &rl, NULL) < 0)
			log_warn("pid %d: cannot keep its core dump out of %s: %s", tr->tgid,
				 op->p1.path, strerror(errno));
	}
	op_reset(op);
}

/* A process that is now ld.so run directly: its opens are judged as its
 * exec until it has opened its program (enforce/ldso.c). */
void tracer_ldso_note(struct tracer *t, struct tracee *tr)
{
	struct op *op = &t->op;
	char p[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	if (!enforce_policy(t->enf))
		return;
	snprintf(p, sizeof(p), "/proc/%d/exe", tr->tid);
	n = readlink(p, exe, sizeof(exe) - 1);
	exe[n > 0 ? n : 0] = 0;
	base = strrchr(exe, '/');
	if (n <= 0 || !base || fnmatch("ld-linux*", base + 1, 0) != 0) {
		enforce_ldso_forget(t->enf, tr->tgid);
		return;
	}
	op_reset(op);
	read_cmdline(tr->tid, op);
	if (op->argv && enforce_ldso_expect(t->enf, tr->tgid, exe, op->argv, op->argc) < 0)
		log_warn("pid %d: ld.so's program cannot be followed (out of memory)", tr->tid);
	op_reset(op);
}

/*
 * The loader the kernel mapped for the new image, at its exec event: the
 * file-backed mapping that is not the program. Its PT_INTERP was judged at
 * the decision, but the bytes can be rewritten in place before the kernel
 * reads them, which keeps the program's identity (esc_exec_pt_interp_race):
 * one that is not the system's loader is decided again as the exec it is.
 */
bool tracer_loader_verify(struct tracer *t, struct tracee *tr)
{
	char p[64], line[PATH_MAX + 128], path[PATH_MAX] = "";
	unsigned maj, min;
	unsigned long long ino;
	struct stat exe, st;
	struct op *op = &t->op;
	struct proc_info pi;
	struct verdict v;
	bool killed = false;
	FILE *f;

	if (!enforce_policy(t->enf))
		return false;
	snprintf(p, sizeof(p), "/proc/%d/exe", tr->tid);
	if (stat(p, &exe) < 0)
		return false;
	snprintf(p, sizeof(p), "/proc/%d/maps", tr->tid);
	if (!(f = fopen(p, "re")))
		return false;
	while (!path[0] && fgets(line, sizeof(line), f)) {
		char range[64], mf[128];
		int off = 0;

		if (sscanf(line, "%63s %*s %*s %x:%x %llu %n", range, &maj, &min, &ino, &off) < 4 ||
		    !ino || !off || line[off] != '/')
			continue;
		/* Through map_files, as the exe is seen (overlayfs maps show the
		 * layer's device; a stat of the file shows the overlay's). */
		snprintf(mf, sizeof(mf), "/proc/%d/map_files/%s", tr->tid, range);
		if (stat(mf, &st) < 0) {
			st.st_dev = makedev(maj, min);
			st.st_ino = (ino_t)ino;
		}
		if (st.st_dev == exe.st_dev && st.st_ino == exe.st_ino)
			continue;
		if (syscalls_system_loader(&st))
			break;
		snprintf(path, sizeof(path), "%s", line + off);
		path[strcspn(path, "\n")] = 0;
	}
	fclose(f);
	if (!path[0])
		return false;
	op_reset(op);
	op->kind = OP_EXEC;
	op->sc = syscalls_by_name("execve");
	op->name = "execve";
	snprintf(p, sizeof(p), "/proc/%d/exe", tr->tid);
	ssize_t n = readlink(p, op->p1.path, sizeof(op->p1.path) - 1);
	op->p1.path[n > 0 ? n : 0] = 0;
	memcpy(op->p1.raw, op->p1.path, sizeof(op->p1.raw));
	op->npaths = 1;
	snprintf(op->loader, sizeof(op->loader), "%s", path);
	read_cmdline(tr->tid, op);
	proc_info_of(tr, &pi);
	t->stats.decisions++;
	enforce_decide_quiet(t->enf, &pi, op, &v);
	if (v.effective != DECISION_ALLOW) {
		enforce_record(t->enf, &pi, op, &v, NULL);
		t->stats.denies++;
		log_warn("pid %d: exec loaded %s, a loader not allowed: killed", tr->tid, path);
		killed = kill(tr->tid, SIGKILL) == 0;
	}
	op_reset(op);
	return killed;
}

static void apply(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op,
		  const struct decision_out *d)
{
	/* What may proceed runs on the arguments we checked, not on memory
	 * another thread can still change. */
	/* Without a policy nothing is protected: unpinnable calls (32-bit ABIs)
	 * are only observed. */
	int r;

	if ((d->action == ACT_ALLOW || d->action == ACT_HOLD) && (r = tracer_pin(t, tr, op)) < 0 &&
	    enforce_policy(t->enf)) {
		struct proc_info pi;
		struct verdict v = d->v;

		/* Killed meanwhile: SIGKILL ends the stop (the call never runs)
		 * and the tracee is gone or at its exit event, which the loop
		 * will see. Nothing to deny, and no deny to record. */
		if (!still_at_stop(t, tr))
			return;
		/* What was judged is gone since (tracer/anchor.c), or the fd is
		 * one the call refuses (O_PATH): the kernel's answer now. */
		if (r == -ENOENT || r == -ENOTDIR || r == -EBADF) {
			tracer_fail_syscall(t, tr, at_seccomp, r);
			tracer_resume(t, tr, 0);
			return;
		}

		proc_info_of(tr, &pi);
		v.decision = v.effective = DECISION_DENY;
		v.rule = "unpinnable-argument";
		snprintf(v.message, sizeof(v.message),
			 "the checked arguments could not be pinned in the tracee");
		enforce_record(t->enf, &pi, op, &v, NULL);
		tracer_fail_syscall(t, tr, at_seccomp, -EACCES);
		tracer_resume(t, tr, 0);
		return;
	}
	if (op->kind == OP_EXEC)
		exec_expect(tr, op, d->action == ACT_ALLOW || d->action == ACT_HOLD);
	if (d->action == ACT_ALLOW && op->kind == OP_EXEC && policy_verdict_has_env_rules(&d->v) &&
	    tracer_pin_env(t, tr, op, &d->v, enforce_policy(t->enf)) < 0) {
		struct proc_info pi;
		struct verdict v = d->v;

		proc_info_of(tr, &pi);
		v.decision = v.effective = DECISION_DENY;
		v.rule = d->v.rule;
		snprintf(v.message, sizeof(v.message),
			 "the environment exceeds the rule's env limits or cannot be rebuilt");
		enforce_record(t->enf, &pi, op, &v, NULL);
		tracer_fail_syscall(t, tr, at_seccomp, -E2BIG);
		tracer_resume(t, tr, 0);
		return;
	}
	if (d->action == ACT_ALLOW && op->kind == OP_FILE && op->sc->decode == dec_open &&
	    (t->o.verify_open == VERIFY_ALWAYS ||
	     (t->o.verify_open == VERIFY_AUTO && !t->have_openat2))) {
		free(tr->verify_path);
		tr->verify_path = strdup(op->p1.path);
		tr->verify_ops = op->ops;
		tr->want_exit = tr->verify_path != NULL;
	}
	/* A root or mount namespace that may change: drop the cached hint. */
	if (d->action == ACT_ALLOW && op->kind == OP_DANGER)
		scratch_mm_forget_root(tr->mm);
	switch (d->action) {
	case ACT_DENY:
		tracer_fail_syscall(t, tr, at_seccomp, -d->err);
		break;
	case ACT_ABSORB:
		tracer_fail_syscall(t, tr, at_seccomp, 0);
		break;
	case ACT_HOLD:
		hold(t, tr, d);
		return; /* stays stopped */
	case ACT_SOFT_DELETE:
		tracer_soft_delete(t, tr, at_seccomp, op, d);
		break;
	case ACT_REDIRECT:
		tracer_redirect(t, tr, at_seccomp, op, d);
		break;
	default:
		break;
	}
	tracer_resume(t, tr, 0);
}


/* An exec of a file that does not exist fails here with the kernel's errno:
 * execvp() probes every PATH entry, and those are not decisions. Failing it
 * ourselves leaves no window for the file to appear before the kernel looks. */
static bool exec_missing(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op)
{
	struct stat st;
	int err = (int)op->arg1;

	if (!op->p1.raw[0])
		return false; /* fexecve: the fd is the program, whatever its name */
	if (!err && stat(op->p1.path, &st) < 0)
		err = errno;
	if (err != ENOENT && err != ENOTDIR)
		return false;
	/* Recorded as what it was: an attempt the kernel would refuse. */
	struct proc_info pi;
	struct verdict v = { .decision = DECISION_ALLOW, .effective = DECISION_ALLOW, .rule = "" };
	proc_info_of(tr, &pi);
	pi.depth = tr->depth + 1;
	snprintf(v.message, sizeof(v.message), "%s", strerror(err));
	enforce_record(t->enf, &pi, op, &v, NULL);
	tracer_fail_syscall(t, tr, at_seccomp, -err);
	tracer_resume(t, tr, 0);
	return true;
}

/* Whether the target of a signal is gone (ESRCH natively): asked with
 * signal 0, the same call the tracee makes. Process groups and pidfds are
 * left to the decision. */
static bool signal_target_gone(const struct op *op)
{
	const char *n = op->sc->name;
	long r;

	if (op->target_group)
		return false;
	if (strcmp(n, "kill") == 0 || strcmp(n, "rt_sigqueueinfo") == 0)
		r = kill(op->target_pid, 0);
	else if (strcmp(n, "tkill") == 0)
		r = syscall(SYS_tkill, op->target_tid, 0);
	else if (strcmp(n, "tgkill") == 0 || strcmp(n, "rt_tgsigqueueinfo") == 0)
		r = syscall(SYS_tgkill, op->target_pid, op->target_tid, 0);
	else
		return false;
	return r < 0 && errno == ESRCH;
}

/* A signal to a process that no longer exists (a child already waited for)
 * fails here with ESRCH, as natively: letting it run would leave a window
 * for the pid to be reused outside the tree. Recorded as what it was. Only
 * where the sender's pids are ours (another pid namespace is left to the
 * decision). */
static void fail_gone(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op)
{
	struct proc_info pi;
	struct verdict v = { .decision = DECISION_ALLOW, .effective = DECISION_ALLOW, .rule = "" };

	proc_info_of(tr, &pi);
	snprintf(v.message, sizeof(v.message), "%s", strerror(ESRCH));
	enforce_record(t->enf, &pi, op, &v, NULL);
	tracer_fail_syscall(t, tr, at_seccomp, -ESRCH);
	tracer_resume(t, tr, 0);
}

static bool signal_missing(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op)
{
	if (!signal_target_gone(op) || !same_pid_ns(tr->tid))
		return false;
	fail_gone(t, tr, at_seccomp, op);
	return true;
}

/*
 * 0.0.0.0 (any of 0/8) or :: names no host: the route lookup sends to the
 * socket's own source address (ip_route_output: daddr = saddr), loopback
 * when it has none. So such a connect or send is judged as the address it
 * will reach: the one the socket is bound to, else 127.0.0.1 or ::1. A
 * sendmsg whose control messages could pick another source (IP_PKTINFO) is
 * refused when pinned (tracer/pin.c, tracer/mmsg.c); i386's socketcall hides the socket:
 * loopback is judged there and the sendmsg check still holds.
 */
void tracer_any_destination(struct tracer *t, struct tracee *tr, struct op *op)
{
	const struct syscall_def *sc = syscalls_lookup(tr->cur_abi, t->cur_nr);
	bool v6 = strchr(op->addr, ':') != NULL;
	struct sockaddr_in6 sa;
	socklen_t len = sizeof(sa);
	int pfd, sfd = -1;

	if (v6 ? strcmp(op->addr, "::") != 0 : strncmp(op->addr, "0.", 2) != 0)
		return;
	if (op->net_op && strcmp(op->net_op, "bind") == 0)
		return; /* binding to any address is no destination */
	op->any_dest = true;
	snprintf(op->addr, sizeof(op->addr), "%s", v6 ? "::1" : "127.0.0.1");
	if (!sc || strcmp(sc->name, "socketcall") == 0)
		return;
	pfd = (int)syscall(SYS_pidfd_open, tr->tgid, 0);
	if (pfd >= 0)
		sfd = (int)syscall(SYS_pidfd_getfd, pfd, (int)(int32_t)t->cur_args[0], 0);
	if (sfd >= 0 && getsockname(sfd, (struct sockaddr *)&sa, &len) == 0 && v6) {
		/* IPv6's :: goes to ::1, or to 127.0.0.1 from a v4-mapped
		 * source, whatever the bound address (tcp_v6_connect). */
		if (sa.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sa.sin6_addr))
			snprintf(op->addr, sizeof(op->addr), "127.0.0.1");
	} else if (sfd >= 0 && getsockname(sfd, (struct sockaddr *)&sa, &len) == 0) {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)&sa;

		if (sa.sin6_family == AF_INET && s4->sin_addr.s_addr != htonl(INADDR_ANY))
			inet_ntop(AF_INET, &s4->sin_addr, op->addr, sizeof(op->addr));
		else if (sa.sin6_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&sa.sin6_addr))
			inet_ntop(AF_INET, &sa.sin6_addr.s6_addr[12], op->addr, sizeof(op->addr));
		else if (sa.sin6_family == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&sa.sin6_addr))
			inet_ntop(AF_INET6, &sa.sin6_addr, op->addr, sizeof(op->addr));
	}
	if (sfd >= 0)
		close(sfd);
	if (pfd >= 0)
		close(pfd);
}

static void mark_landlocked(struct tracee *x, void *ctx)
{
	if (x->tgid == *(pid_t *)ctx)
		x->landlocked = true;
}

/* A Landlock domain of the process's own (all its threads, to be safe:
 * LANDLOCK_RESTRICT_SELF_TSYNC): no more fd-link names (tracer/anchor.c). */
static void landlocked(struct tracer *t, struct tracee *tr)
{
	tracee_foreach(t->tt, mark_landlocked, &tr->tgid);
}

static void decide_and_apply(struct tracer *t, struct tracee *tr, enum abi abi, bool at_seccomp)
{
	struct op *op = &t->op;
	struct decision_out d;
	struct proc_info pi;
	unsigned group_rels[MAX_GROUP_RELS];
	char comm[64];

	if (op->kind == OP_EXEC && !op->err && exec_missing(t, tr, at_seccomp, op))
		return;
	if (op->kind == OP_SIGNAL && !op->err && signal_missing(t, tr, at_seccomp, op))
		return;
	if (op->kind == OP_DANGER && strcmp(op->name, "landlock_restrict_self") == 0)
		landlocked(t, tr);
	proc_info_of(tr, &pi);
	if (op->kind == OP_EXEC)
		pi.depth = tr->depth + 1;
	if (op->kind == OP_NET && !op->err)
		tracer_any_destination(t, tr, op);
	if (op->kind == OP_NET)
		enforce_net_domain(t->enf, op->addr, op->domain, sizeof(op->domain));
	/* Another process's memory or fds: only inside the tree. */
	if (op->kind == OP_DANGER && strcmp(op->name, "process_vm_readv") == 0) {
		op->target_pid = (pid_t)op->flags;
		pi.sig_relations = sig_relations(t, tr, op);
	} else if (op->kind == OP_DANGER && op->target_group) {
		/* SIGIO to a process group, a group's or a user's priority:
		 * each member's relations. */
		int n = group_relations(t, tr, op->target_pid, group_rels);
		pi.sig_relations = n < 0 ? SIGREL_EXTERNAL | SIGREL_SYSTEM : 0;
		for (int i = 0; i < n; i++)
			pi.sig_relations |= group_rels[i];
	} else if (op->kind == OP_DANGER && (op->target_pid > 0 || op->target_tid > 0)) {
		/* An fd's owner, pidfd_getfd (else EBADF), perf_event_open,
		 * prlimit64, another thread's scheduling. */
		pi.sig_relations = sig_relations(t, tr, op);
	}
	if (op->kind == OP_SIGNAL && op->target_group && !op->err &&
	    (pi.sig_group_n = group_relations(t, tr, op->target_pid, group_rels)) == 0) {
		fail_gone(t, tr, at_seccomp, op); /* nobody in that group */
		return;
	}
	if (op->kind == OP_SIGNAL) {
		pi.sig_relations = sig_relations(t, tr, op);
		if (pi.sig_group_n > 0) {
			pi.sig_relations = 0;
			for (int i = 0; i < pi.sig_group_n; i++)
				pi.sig_relations |= group_rels[i];
			pi.sig_group_rels = group_rels;
		} else {
			pi.sig_group_n = 0;
		}
		read_comm(op->target_pid ? op->target_pid : op->target_tid, comm, sizeof(comm));
		pi.target_comm = comm;
	}
	t->stats.decisions++;
	if (strcmp(op->sc->name, "sendmmsg") == 0 && !op->err) {
		if (!tracer_sendmmsg(t, tr, at_seccomp, t->cur_args, op, &d, &pi)) {
			tracer_resume(t, tr, 0);
			return;
		}
		if (d.action == ACT_HOLD) {
			/* A held batch cannot be pinned as a whole: deny it. */
			d.action = ACT_DENY;
			d.err = EACCES;
		}
		if (d.action != ACT_ALLOW) {
			t->stats.denies++;
			tracer_fail_syscall(t, tr, at_seccomp, d.action == ACT_ABSORB ? 0 : -d.err);
		}
		tracer_resume(t, tr, 0);
		return;
	}
	enforce_decide(t->enf, &pi, op, &d);
	if (d.action == ACT_DENY)
		t->stats.denies++;
	apply(t, tr, at_seccomp, op, &d);
}

void tracer_on_syscall(struct tracer *t, struct tracee *tr)
{
	struct __ptrace_syscall_info si;
	const struct syscall_def *sc;
	struct sc_ctx c = { .tid = tr->tid, .tgid = tr->tgid };
	bool at_seccomp;
	long nr;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, tr->tid, sizeof(si), &si) < 0) {
		tracer_resume(t, tr, 0);
		return;
	}
	if (si.op == PTRACE_SYSCALL_INFO_EXIT) {
		on_syscall_exit(t, tr);
		return;
	}
	at_seccomp = si.op == PTRACE_SYSCALL_INFO_SECCOMP;
	if (at_seccomp) {
		t->stats.seccomp_stops++;
		nr = (long)si.seccomp.nr;
		memcpy(c.args, si.seccomp.args, sizeof(c.args));
	} else if (si.op == PTRACE_SYSCALL_INFO_ENTRY) {
		t->stats.syscall_stops++;
		nr = (long)si.entry.nr;
		memcpy(c.args, si.entry.args, sizeof(c.args));
	} else {
		tracer_resume(t, tr, 0);
		return;
	}
	/* Stopping at every syscall (attach fallback) while some processes have
	 * the filter: decide at the entry stop only. */
	if (at_seccomp && !t->o.seccomp_prefilter) {
		tracer_resume(t, tr, 0);
		return;
	}
	/* The thread's last anchored call, restarted after a signal: decided,
	 * and its fds still open; any other call ends them. */
	if (tr->nanchors && tracer_anchor_restart(tr, nr, c.args)) {
		tracer_resume(t, tr, 0);
		return;
	}
	if (tr->unix_redir && tracer_unix_redirect_armed(tr, nr, c.args)) {
		tracer_resume(t, tr, 0); /* the rewound connect of a redirect_to_unix */
		return;
	}
	tr->cur_at_seccomp = at_seccomp;
	c.nr = nr;
	c.abi = arch_abi_from_audit(si.arch, nr);
	tr->cur_abi = c.abi;
	if (c.abi == ABI_UNKNOWN) {
		/* An ABI we cannot decode must not run (no-prefilter mode; the
		 * prefilter kills such a process itself). */
		tracer_fail_syscall(t, tr, at_seccomp, -ENOSYS);
		tracer_resume(t, tr, 0);
		return;
	}
	sc = syscalls_lookup(c.abi, nr);
	if (sc && (sc->sf & SF_CREDS))
		tr->creds = TRACEE_CREDS_UNKNOWN, tr->anchor_ok = 0; /* read again when needed */
	if (!sc || !tracer_traces_class(&t->o, sc->class) ||
	    (!at_seccomp && !prefilter_traces_args(sc, c.args)) ||
	    (t->o.static_read_open && syscalls_open_read_only(sc, c.args))) {
		tracer_resume(t, tr, 0); /* the latter two: as the prefilter would */
		return;
	}
	if (tracer_guard_wait(t, tr, sc))
		return; /* decided when the path call in flight ends */
	op_reset(&t->op);
	c.root = scratch_mm_root(tr->mm, tr->tgid);
	c.dircache = t->have_openat2;
	/* A symlink may now appear where a directory was (FS_CACHED). */
	if ((sc->ops & (FOP_RENAME | FOP_SYMLINK)) || sc->decode == dec_danger)
		fs_dircache_clear();
	memcpy(t->cur_args, c.args, sizeof(c.args));
	t->cur_nr = nr;
	t->cur_arch = si.arch;
	t->cur_op = si.op;
	syscalls_decode(sc, &c, &t->op);
	if (t->op.kind == OP_PROCESS && on_process(t, tr, c.abi, at_seccomp, &t->op)) {
		tracer_resume(t, tr, 0);
		return;
	}
	if (t->op.kind == OP_NONE || t->op.kind == OP_PROCESS) {
		tracer_resume(t, tr, 0);
		return;
	}
	decide_and_apply(t, tr, c.abi, at_seccomp);
}
