/*
 * Anchored names: a path call other than an open (chmod, unlink, rename,
 * mkdir, a unix connect ...) has no RESOLVE_NO_SYMLINKS; the kernel walks
 * the pinned name again after the decision, and a directory on the way
 * swapped for a symlink in between (threat model 2) sends it elsewhere. So
 * the tracer opens what was judged itself, refusing any symlink on the way
 * (openat2 RESOLVE_NO_SYMLINKS), and the call is pinned with a name that
 * goes through that open file: /proc/<agentsh>/fd/N/<last component>, or
 * /proc/<agentsh>/fd/N for a call that follows its final symlink and acts
 * on the object itself. The kernel lets the tracee through our fd links
 * only when it may ptrace-read us (same credentials and agentsh dumpable,
 * or CAP_SYS_PTRACE, and no Landlock domain of its own); otherwise, in
 * another root or mount namespace and for an attached tree, the name is
 * pinned as resolved (the race stays open there, as docs/ptrace-mode.md
 * says). The fds live until the thread's next traced
 * syscall, so a call restarted after a signal finds them.
 */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "scratch.h"
#include "policy/policy.h"
#include "syscalls/syscalls.h"
#include "fs/resolve.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static bool self_creds(struct tracer *t)
{
	if (!t->have_self_creds && creds_self_read(&t->self_creds) == 0)
		t->have_self_creds = true;
	return t->have_self_creds;
}

/* Whether tr's kernel walk may follow /proc/<agentsh>/fd/N (cached in
 * tr->anchor_ok until its credentials may change: exec, set*id calls). */
static bool tracee_may_follow(struct tracer *t, struct tracee *tr)
{
	const uint64_t ptrace_cap = 1ull << CAP_SYS_PTRACE;
	struct task_status st;
	char dir[32];
	const char *root = scratch_mm_root(tr->mm, tr->tgid);

	if (!root || root[0] || !t->have_openat2 || t->attached || t->o.tree_landlocked ||
	    tr->landlocked || !self_creds(t))
		return false;
	if (t->self_dumpable == 0)
		t->self_dumpable = prctl(PR_GET_DUMPABLE) == 1 ? 1 : -1;
	if (tr->anchor_ok == 0) {
		bool ok = false;

		snprintf(dir, sizeof(dir), "/proc/%d", tr->tid);
		if (task_status_read(dir, &st) == 0 && st.cr.known) {
			if (task_creds_equal(&st.cr, &t->self_creds.cr))
				ok = t->self_dumpable > 0 || (t->self_creds.cr.capeff & ptrace_cap);
			else
				ok = (st.cr.capeff & ptrace_cap) &&
				     creds_same_userns(&t->self_creds, &st.cr);
		}
		tr->anchor_ok = ok ? 1 : -1;
	}
	return tr->anchor_ok > 0;
}

static int open_no_symlinks(const char *path, bool dir)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (dir ? O_DIRECTORY : 0),
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));

	return fd < 0 ? -errno : fd;
}

static bool fd_is_symlink(int k);

/*
 * A process's fd link, /proc/PID/fd/N, judged by its own name because the fd
 * named no file (a pipe, a socket): the kernel would follow the link again,
 * to whatever PID has at fd N by then (a dup2() of a read-only file there,
 * and the reopen is writable). Through the tracer's copy of that fd instead,
 * checked to have no path still. 1: as it is, for the caller's own fd while
 * it is alone with its fd table (nothing can change the fd meanwhile);
 * -ENOTSUP where the tree may not follow our links otherwise.
 */
static int anchor_proc_fd(struct tracer *t, struct tracee *tr, const char *path, char *out,
			  size_t cap)
{
	const char *name = NULL;
	pid_t owner = fs_proc_entry(path, &name);
	const struct tracee *o = owner ? tracee_find(t->tt, owner) : NULL;
	char link[64], what[PATH_MAX], *end;
	long fd = name && strncmp(name, "fd/", 3) == 0 ? strtol(name + 3, &end, 10) : -1;
	ssize_t n;
	int pfd, k, w;

	if (fd < 0 || *end || end == name + 3)
		return 1; /* not an fd link itself */
	/* As it is only for the caller's own fd, alone with its fd table:
	 * another process of the tree may dup2() at its own fds any time. */
	bool steady = owner == tr->tgid && o && !o->files_shared;

	if (!tracee_may_follow(t, tr)) {
		t->ns_strict = true;
		return steady ? 1 : -ENOTSUP;
	}
	pfd = (int)syscall(SYS_pidfd_open, owner, 0);
	if (pfd < 0)
		return -errno;
	k = (int)syscall(SYS_pidfd_getfd, pfd, (int)fd, 0);
	close(pfd);
	if (k < 0)
		return errno == EPERM ? (steady ? 1 : -ENOTSUP) : -errno;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", k);
	n = readlink(link, what, sizeof(what) - 1);
	/* A file there by now: it has a name, which was not what was judged. */
	if (n <= 0 || what[0] == '/' || fd_is_symlink(k)) {
		close(k);
		return -EAGAIN;
	}
	w = snprintf(out, cap, "/proc/%d/fd/%d", t->self_pid, k);
	if (w < 0 || (size_t)w >= cap) {
		close(k);
		return -ENAMETOOLONG;
	}
	tr->anchor_fd[tr->nanchors++] = k;
	return 0;
}

int tracer_anchor(struct tracer *t, struct tracee *tr, const char *path, bool object, char *out,
		  size_t cap)
{
	char dir[PATH_MAX];
	const char *base = "";
	size_t n = strlen(path), end = n;
	int fd, w;

	if (path[0] != '/' || n >= sizeof(dir) || tr->nanchors >= ARRAY_SIZE(tr->anchor_fd))
		return 1;
	if (strncmp(path, "/proc/", 6) == 0)
		return object ? anchor_proc_fd(t, tr, path, out, cap) : 1;
	if (!tracee_may_follow(t, tr)) {
		t->ns_strict = true; /* path calls one at a time from now on */
		return 1;
	}
	if (object) {
		fd = open_no_symlinks(path, false);
	} else {
		/* The last component (with any trailing slashes, which the
		 * kernel gives their meaning) below its directory. */
		while (end > 1 && path[end - 1] == '/')
			end--;
		while (end > 0 && path[end - 1] != '/')
			end--;
		base = path + end;
		if (end <= 1 || !base[0] || base[0] == '/' || strncmp(base, "./", 2) == 0 ||
		    strncmp(base, "../", 3) == 0 || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
			return 1; /* "/x", "d/.", "d/..": as resolved */
		memcpy(dir, path, end - 1);
		dir[end - 1] = 0;
		fd = open_no_symlinks(dir, true);
	}
	/* Missing: the kernel fails the call the same way (a creating call
	 * names its directory, which exists when the call can work). A symlink
	 * or a mount's magic now on the way: the name changed since the
	 * decision. Out of fds: as resolved. */
	if (fd == -EMFILE || fd == -ENFILE || fd == -ENOMEM)
		return 1;
	if (fd < 0)
		return fd;
	w = snprintf(out, cap, "/proc/%d/fd/%d%s%s", t->self_pid, fd, object ? "" : "/", base);
	if (w < 0 || (size_t)w >= cap) {
		close(fd);
		return 1;
	}
	tr->anchor_fd[tr->nanchors++] = fd;
	return 0;
}

/* Whether the tracer's fd k names the file judged: 1 by identity where
 * judged is a name the tracer can look up (not through /proc/PID/fd/N,
 * which would name whatever that fd is now), 2 by the name the kernel gives
 * it ("socket:[N]", "/x (deleted)"), which is all the decision read; 0 no. */
static int fd_is_judged(int k, const char *judged)
{
	char link[64], name[PATH_MAX];
	struct stat a, b;
	ssize_t n;

	if (fstat(k, &a) < 0 || strncmp(judged, "/proc/", 6) == 0)
		return 0;
	if (lstat(judged, &b) == 0)
		return a.st_dev == b.st_dev && a.st_ino == b.st_ino;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", k);
	n = readlink(link, name, sizeof(name) - 1);
	if (n <= 0)
		return 0;
	name[n] = 0;
	return strcmp(name, judged) == 0 ? 2 : 0;
}

static bool fd_is_symlink(int k)
{
	struct stat st;

	return fstat(k, &st) == 0 && S_ISLNK(st.st_mode);
}

int tracer_anchor_fd(struct tracer *t, struct tracee *tr, int fd, const char *judged,
		     bool o_path_ok, char *out, size_t cap)
{
	bool follow = tr->nanchors < ARRAY_SIZE(tr->anchor_fd) && tracee_may_follow(t, tr);
	int pfd, k, w, fl, how;

	if (!follow) {
		t->ns_strict = true;
		/* Alone with its fd table: nothing can change the fd before the
		 * kernel reads it. */
		if (!tr->files_shared)
			return 1;
	}
	pfd = (int)syscall(SYS_pidfd_open, tr->tgid, 0);
	if (pfd < 0)
		return -errno;
	k = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
	close(pfd);
	/* EPERM: not ours to take (other credentials) */
	if (k < 0)
		return errno == EPERM ? 1 : -errno;
	fl = fcntl(k, F_GETFL);
	if (fl < 0) {
		close(k);
		return -EAGAIN;
	}
	/* fchmod & co. take no O_PATH fd (EBADF), but would take its name. A
	 * symlink's (O_PATH | O_NOFOLLOW, for AT_EMPTY_PATH): our link to it
	 * would not name the symlink itself. */
	if ((fl & O_PATH) && !o_path_ok) {
		close(k);
		return -EBADF;
	}
	if (fd_is_symlink(k)) {
		close(k);
		return o_path_ok ? 4 : -ENOTSUP;
	}
	/* By the name judged: the call acts on what is there, whatever the fd
	 * names now (our view of the name may not be the tree's: no identity
	 * to compare). A deleted file or a socket has no such name. */
	if (!follow) {
		close(k);
		return judged[0] == '/' && !strstr(judged, " (deleted)") ? 2 : 3;
	}
	/* The file the decision named, or another dup2()ed there since. */
	how = fd_is_judged(k, judged);
	if (!how) {
		close(k);
		return -EAGAIN;
	}
	w = snprintf(out, cap, "/proc/%d/fd/%d", t->self_pid, k);
	if (w < 0 || (size_t)w >= cap) {
		close(k);
		return 1;
	}
	tr->anchor_fd[tr->nanchors++] = k;
	return 0;
}

void tracer_anchor_note(struct tracee *tr, long nr, const uint64_t args[6])
{
	tr->anchor_nr = nr;
	memcpy(tr->anchor_args, args, sizeof(tr->anchor_args));
}

bool tracer_anchor_restart(struct tracee *tr, long nr, const uint64_t args[6])
{
	if (!tr->nanchors)
		return false;
	if (nr == tr->anchor_nr && memcmp(args, tr->anchor_args, sizeof(tr->anchor_args)) == 0)
		return true;
	tracer_anchor_release(tr);
	return false;
}

void tracer_anchor_release(struct tracee *tr)
{
	while (tr->nanchors)
		close(tr->anchor_fd[--tr->nanchors]);
}

/*
 * Guards. A name that cannot be anchored (the tree may not follow our fd
 * links: a Landlock domain, other credentials, another mount namespace) is
 * pinned as resolved, and a directory on its way swapped for a symlink
 * between the decision and the kernel's walk would send the call elsewhere.
 * Every such swap is itself a path call of the tree (rename, unlink, rmdir,
 * symlink), so once any name could not be anchored (ns_strict), path calls
 * other than opens run one at a time: each gets an exit stop, and another
 * that stops meanwhile waits, undecided, until it ends; then it is decided.
 * A call that has not ended after 200 ms (stuck past its walk: a truncate
 * breaking a lease, a slow file system) is no longer waited for, and the
 * others still go one at a time (esc_guard_lease_stall: they all went at
 * once).
 */
#define GUARD_MAX_WAIT_MS 200

static bool guarded_call(const struct syscall_def *sc)
{
	return sc->decode == dec_path || sc->decode == dec_utimens || sc->decode == dec_fdfile;
}

void tracer_guard_begin(struct tracer *t, struct tracee *tr)
{
	if (tr->ns_guard)
		return;
	tr->ns_guard = true;
	tr->want_exit = true;
	t->ns_guarded++;
	/* The holder's time: the others wait for it at most this long. */
	t->ns_deadline_ms = tracer_now_ms() + GUARD_MAX_WAIT_MS;
}

static void decide_waiting(struct tracee *x, void *ctx)
{
	struct tracer *t = ctx;

	if (x->state != TS_NS_WAIT)
		return;
	t->ns_waiting--;
	x->state = TS_RUNNING;
	tracer_on_syscall(t, x); /* may wait again behind one released before it */
}

static void release_waiting(struct tracer *t)
{
	if (t->ns_waiting)
		tracee_foreach(t->tt, decide_waiting, t);
}

void tracer_guard_end(struct tracer *t, struct tracee *tr)
{
	if (!tr->ns_guard)
		return;
	tr->ns_guard = false;
	if (--t->ns_guarded == 0)
		release_waiting(t);
}

bool tracer_guard_wait(struct tracer *t, struct tracee *tr, const struct syscall_def *sc)
{
	if (!t->ns_strict || !t->ns_guarded || tr->ns_guard || !guarded_call(sc) ||
	    !enforce_policy(t->enf))
		return false;
	t->ns_waiting++;
	tr->state = TS_NS_WAIT;
	return true;
}

static void guard_expire(struct tracee *x, void *ctx)
{
	struct tracer *t = ctx;

	if (x->ns_guard) {
		x->ns_guard = false; /* its exit stop ends nothing now */
		t->ns_guarded--;
	}
}

void tracer_guard_deadline(struct tracer *t, int64_t now_ms)
{
	if (!t->ns_waiting || !t->ns_guarded || now_ms < t->ns_deadline_ms)
		return;
	tracee_foreach(t->tt, guard_expire, t);
	release_waiting(t);
}
