/*
 * One open notification: decode with the shared decoders, decide, answer.
 * Allowed (and redirected) opens are performed here on the canonical path,
 * inside the tracee's root with RESOLVE_NO_SYMLINKS, and the fd is installed
 * in the tracee with SECCOMP_IOCTL_NOTIF_ADDFD | SECCOMP_ADDFD_FLAG_SEND, so
 * a path rewritten or a symlink swapped in after the decision cannot change
 * which file is opened.
 */
#include "compat.h"
#include "enforce/enforce.h"
#include "enforce/notify.h"
#include "fs/resolve.h"
#include "log.h"
#include "syscalls/mem.h"
#include "syscalls/syscalls.h"
#include "tracer/tracer.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/syscall.h>

#define O_PATH_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* /proc paths mean the caller's own view: continued when that is safe,
 * else opened by us (the canonical path names the pid). */
static bool proc_path(const char *path)
{
	return strncmp(path, "/proc/", 6) == 0 || strcmp(path, "/proc") == 0;
}

/* Terminal opens only the caller can make as it means them: /dev/tty is its
 * controlling terminal, and a terminal opened without O_NOCTTY may become
 * that (a session leader without one). */
static bool caller_terminal(const char *path, int flags)
{
	return strncmp(path, "/dev/tty", 8) == 0 ||
	       (!(flags & O_NOCTTY) &&
		(strncmp(path, "/dev/pts/", 9) == 0 || strcmp(path, "/dev/console") == 0));
}

/* What an emulated open is made with: the caller's umask (creates) and
 * its credentials unless they are ours (enforce/creds.c). */
struct caller {
	unsigned umask;
	const struct task_creds *cr; /* NULL: ours */
	bool unknown;                  /* its status could not be read: fail closed */
	bool same_root;                /* its root and mount namespace are ours */
	const struct proc_info *pi;
};

static void answer(struct notify *n, int64_t val, int err, bool cont)
{
	struct seccomp_notif_resp *r = n->resp;

	memset(r, 0, sizeof(*r));
	r->id = n->req->id;
	r->val = val;
	r->error = err ? -err : 0;
	r->flags = cont ? SECCOMP_USER_NOTIF_FLAG_CONTINUE : 0;
	if (cont)
		n->continued++;
	if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_SEND, r) < 0 && errno != ENOENT)
		log_debug("notify send: %s", strerror(errno));
}

/* An allowed open we cannot make safely: denied, and said so (fail closed). */
static void refuse(struct notify *n, const struct op *op, const struct decision_out *d,
		   const struct caller *who, const char *rule, const char *why)
{
	struct verdict v = d->v;

	v.decision = v.effective = DECISION_DENY;
	v.rule = rule;
	snprintf(v.message, sizeof(v.message), "%s", why);
	enforce_record(n->enf, who->pi, op, &v, NULL);
	answer(n, 0, EACCES, false);
}

/* Another user namespace, or credentials unreadable: we cannot open with them. */
static bool cannot_emulate(struct notify *n, const struct op *op, const struct decision_out *d,
			   const struct caller *who)
{
	if (!who->unknown && (!who->cr || creds_same_userns(&n->self, who->cr)))
		return false;
	refuse(n, op, d, who, "notify-foreign-credentials",
	       "seccomp-notify cannot open with the credentials of another user namespace; "
	       "use --mode prefilter");
	return true;
}

/* Whether [addr, addr + len) lies in one private mapping of tid that no
 * other process can change: anonymous memory (stack, heap), or the
 * program's own executable (not writable while it runs). A private mapping
 * of any other file shows writes to that file until its page is copied. */
static bool in_safe_mapping(pid_t tid, uint64_t addr, size_t len)
{
	char p[64], line[PATH_MAX + 128];
	bool at_start = true, ok = false;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/maps", tid);
	if (!(f = fopen(p, "re")))
		return false;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long s, e, ino;
		unsigned maj, min;
		bool start = at_start;
		char perms[5];
		int off = 0;

		at_start = strchr(line, '\n') != NULL;
		if (!start || sscanf(line, "%llx-%llx %4s %*s %x:%x %llu %n", &s, &e, perms, &maj,
				     &min, &ino, &off) < 6)
			continue;
		if (addr < s)
			break;
		if (addr >= e)
			continue;
		if (addr + len > e || perms[3] != 'p')
			break;
		if (ino == 0) {
			ok = true;
		} else {
			struct stat st;

			/* The executable itself, by identity: another file of
			 * the same name (both deleted: "X (deleted)") is not. */
			snprintf(p, sizeof(p), "/proc/%d/exe", tid);
			ok = stat(p, &st) == 0 && st.st_ino == ino && major(st.st_dev) == maj &&
			     minor(st.st_dev) == min;
		}
		break;
	}
	fclose(f);
	return ok;
}

/*
 * CONTINUE lets the kernel read the path again from the caller's memory:
 * only when nothing else can rewrite it meanwhile (no other task in its
 * address space, the string in memory only it can write).
 */
static bool continue_safe(struct notify *n, const struct op *op)
{
	pid_t tid = (pid_t)n->req->pid;

	if (!op->sc || op->sc->path < 0 || tracer_mm_shared(n->t, tid))
		return false;
	return in_safe_mapping(tid, n->req->data.args[op->sc->path],
			       strnlen(op->p1.raw, sizeof(op->p1.raw)) + 1);
}

/* An open only the kernel can make (a FIFO's blocking open, the caller's
 * /dev/tty): continued when that is safe, else refused. */
static void continue_or_refuse(struct notify *n, const struct op *op, const struct decision_out *d,
			       const struct caller *who, const char *path)
{
	/* Without a policy nothing is protected: a path rewritten meanwhile
	 * can only be recorded as another. */
	if (path == op_path_pin(&op->p1) && (!enforce_policy(n->enf) || continue_safe(n, op)))
		answer(n, 0, 0, true);
	else
		refuse(n, op, d, who, "notify-unpinnable-open",
		       "seccomp-notify must leave this open to the kernel, and another task could "
		       "rewrite its path meanwhile; use --mode prefilter");
}

static uint64_t open_mode(const struct notify *n, const struct op *op)
{
	const __u64 *a = n->req->data.args;

	if (strcmp(op->name, "open") == 0 || strcmp(op->name, "creat") == 0)
		return strcmp(op->name, "creat") == 0 ? a[1] : a[2];
	if (strcmp(op->name, "openat") == 0)
		return a[3];
	if (op->open_how) {
		struct open_how how = { 0 };
		size_t sz = a[3] < sizeof(how) ? (size_t)a[3] : sizeof(how);

		if (mem_read((pid_t)n->req->pid, a[2], &how, sz) == 0)
			return how.mode;
	}
	return 0;
}

/* Opens path in the tracee's root as the call would; returns our fd or -errno.
 * same_root: the tracee's root and mount namespace are ours, so the canonical
 * absolute path opens from our root without a /proc/PID/root fd. */
static int open_pinned(struct notify *n, const struct op *op, const char *path,
		       const struct caller *who)
{
	int flags = op->open_flags & SYSCALLS_OPEN_FLAGS;
	struct open_how how = { .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	char root[64];
	int rootfd, fd, err;
	bool creates = flags & (O_CREAT | __O_TMPFILE), swap;
	mode_t old = 0;

	/* openat2 refuses O_PATH with other flags, and unknown bits open(2) ignores. */
	how.flags = (uint64_t)(flags & O_PATH ? flags & O_PATH_FLAGS : flags | O_NONBLOCK) |
		    O_CLOEXEC;
	/* Never ours as a controlling terminal (agentsh may lead a session of its
	 * own): a caller's open that may take one is left to it (caller_terminal). */
	if (!(flags & O_PATH))
		how.flags |= O_NOCTTY;
	if (creates)
		how.mode = open_mode(n, op) & 07777;
	if (who->same_root && path[0] == '/') {
		rootfd = AT_FDCWD;
		how.resolve &= ~(uint64_t)RESOLVE_IN_ROOT;
	} else {
		snprintf(root, sizeof(root), "/proc/%u/root", n->req->pid);
		rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			return -errno;
	}
	/* A FIFO's blocking open (one end) is the kernel's to make: our own
	 * open, however brief, would wake a partner waiting in its open. */
	if (!(flags & (O_NONBLOCK | O_PATH)) && (flags & O_ACCMODE) != O_RDWR) {
		const char *rel = rootfd == AT_FDCWD ? path : path + strspn(path, "/");
		struct stat st;

		if (fstatat(rootfd, *rel ? rel : ".", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISFIFO(st.st_mode)) {
			if (rootfd >= 0)
				close(rootfd);
			return -EAGAIN;
		}
	}
	/* The kernel applies our umask: swap in the caller's when it differs. */
	swap = creates && who->umask != n->self.umask;
	if (swap)
		old = umask((mode_t)who->umask);
	err = who->cr ? creds_enter(&n->self, who->cr) : 0;
	if (!err) {
		fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		err = fd < 0 ? -errno : 0;
		if (who->cr)
			creds_leave(&n->self);
	} else {
		log_debug("seccomp notify: cannot open as %u with its credentials: %s",
			  n->req->pid, strerror(-err));
		fd = -1;
		err = -EACCES;
	}
	if (swap)
		umask(old);
	if (rootfd >= 0)
		close(rootfd);
	return fd < 0 ? err : fd;
}

/* Our fd must behave like the kernel's: blocking unless asked. (A FIFO's
 * blocking one-end open never gets here, see open_pinned; O_RDWR never blocks.) */
static int fix_fd(int fd, int flags)
{
	if (flags & (O_NONBLOCK | O_PATH))
		return fd;
	/* Only the status bits count: those open gave, without our O_NONBLOCK. */
	if (fcntl(fd, F_SETFL, flags & SYSCALLS_OPEN_FLAGS & ~O_NONBLOCK) < 0) {
		close(fd);
		return -EAGAIN;
	}
	return fd;
}

/*
 * An open that blocks (a FIFO end waiting for its partner, a file under a
 * lease): under a policy not left to the kernel, which would walk the name
 * again (a directory swapped for a symlink since the decision leads it
 * elsewhere: esc_notify_fifo_swap), but made by a thread of ours that may
 * block as the caller would, on the name judged with no symlink followed,
 * with the caller's rights; the request waits meanwhile. (A caller that a
 * signal interrupts leaves our open to finish alone: its partner sees a
 * reader or writer come and go.)
 */
struct blocking_open {
	int listener;
	uint64_t id;
	int flags, rootfd;
	bool has_cr;
	struct task_creds cr;
	struct creds_self self;
	char path[PATH_MAX];
};

static void *blocking_open_run(void *arg)
{
	struct blocking_open *b = arg;
	struct open_how how = { .flags = (uint64_t)b->flags | O_CLOEXEC | O_NOCTTY,
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
					   (b->rootfd == AT_FDCWD ? 0 : RESOLVE_IN_ROOT) };
	struct seccomp_notif_addfd add = { .id = b->id, .flags = SECCOMP_ADDFD_FLAG_SEND };
	struct seccomp_notif_resp resp = { .id = b->id };
	int fd = -1, err = b->has_cr ? creds_enter(&b->self, &b->cr) : 0;

	if (!err) {
		fd = (int)syscall(SYS_openat2, b->rootfd, b->path, &how, sizeof(how));
		err = fd < 0 ? -errno : 0;
		if (b->has_cr)
			creds_leave(&b->self);
	}
	if (fd >= 0) {
		add.srcfd = (uint32_t)fd;
		add.newfd_flags = b->flags & O_CLOEXEC;
		if (ioctl(b->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) < 0 && errno != ENOENT) {
			resp.error = -errno;
			ioctl(b->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
		}
		close(fd);
	} else {
		resp.error = err ? err : -EACCES;
		ioctl(b->listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	if (b->rootfd >= 0)
		close(b->rootfd);
	free(b);
	return NULL;
}

/* false: no thread could be started (the caller refuses). */
static bool blocking_open(struct notify *n, const struct op *op, const char *path,
			  const struct caller *who)
{
	struct blocking_open *b = calloc(1, sizeof(*b));
	pthread_attr_t attr;
	pthread_t th;
	char root[64];
	bool ok;

	if (!b || (size_t)snprintf(b->path, sizeof(b->path), "%s", path) >= sizeof(b->path)) {
		free(b);
		return false;
	}
	b->listener = n->listener;
	b->id = n->req->id;
	b->flags = op->open_flags & SYSCALLS_OPEN_FLAGS & ~(O_CREAT | O_EXCL | __O_TMPFILE);
	b->self = n->self;
	b->has_cr = who->cr != NULL;
	if (who->cr)
		b->cr = *who->cr;
	b->rootfd = AT_FDCWD;
	if (!who->same_root || path[0] != '/') {
		snprintf(root, sizeof(root), "/proc/%u/root", n->req->pid);
		b->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (b->rootfd < 0) {
			free(b);
			return false;
		}
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ok = pthread_create(&th, &attr, blocking_open_run, b) == 0;
	pthread_attr_destroy(&attr);
	if (!ok) {
		if (b->rootfd >= 0)
			close(b->rootfd);
		free(b);
	}
	return ok;
}

/* Puts our fd (or the error of our open) in the caller's place. */
static void emulate_fd(struct notify *n, const struct op *op, const struct decision_out *d,
		       const char *path, const struct caller *who, int fd)
{
	struct seccomp_notif_addfd add = { .id = n->req->id, .flags = SECCOMP_ADDFD_FLAG_SEND };

	/* A FIFO's blocking open, or a lease to wait for (our open never
	 * blocks): a thread of ours waits, under a policy; a magic link under
	 * /proc (our walk refuses it, the caller's would not). */
	if (fd == -EAGAIN && !(op->open_flags & O_NONBLOCK) && enforce_policy(n->enf) &&
	    path[0] == '/' && !proc_path(path)) {
		if (blocking_open(n, op, path, who))
			n->emulated++;
		else
			refuse(n, op, d, who, "notify-unpinnable-open",
			       "a blocking open could not be made; use --mode prefilter");
		return;
	}
	if ((fd == -EAGAIN && !(op->open_flags & O_NONBLOCK)) ||
	    (fd == -ELOOP && proc_path(path))) {
		continue_or_refuse(n, op, d, who, path);
		return;
	}
	if (fd < 0) {
		answer(n, 0, -fd, false);
		return;
	}
	fd = fix_fd(fd, op->open_flags);
	if (fd == -EAGAIN) {
		continue_or_refuse(n, op, d, who, path);
		return;
	}
	add.srcfd = (uint32_t)fd;
	add.newfd_flags = op->open_flags & O_CLOEXEC;
	if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ADDFD, &add) >= 0)
		n->emulated++;
	else if (errno != ENOENT)
		answer(n, 0, errno, false);
	close(fd);
}

static void emulate(struct notify *n, const struct op *op, const struct decision_out *d,
		    const char *path, const struct caller *who)
{
	emulate_fd(n, op, d, path, who, open_pinned(n, op, path, who));
}

/* Whether nothing can put another file at a process's fd meanwhile: the
 * caller's own fd while no other task shares its fd table. */
static bool fd_link_steady(struct notify *n, const struct op *op, const struct caller *who)
{
	return op->p1.proc_fd_pid == who->pi->pid &&
	       !tracer_files_shared(n->t, (pid_t)n->req->pid);
}

/*
 * A process's fd link judged by its name, /proc/PID/fd/N of a pipe (no file
 * to judge): left to the kernel, it would be followed again, to whatever
 * PID has at fd N by then (a dup2() of a read-only file, and the reopen is
 * writable: esc_proc_fd_reopen_race). Opened here through our own copy of
 * that fd instead, checked to name no file still; an open that must block
 * (a FIFO end without a partner) goes to the kernel only where the fd is
 * steady.
 */
static void emulate_fd_link(struct notify *n, const struct op *op, const struct decision_out *d,
			    const struct caller *who)
{
	const char *name = NULL;
	pid_t owner = fs_proc_entry(op->p1.path, &name);
	char *end = NULL, self[64], what[64];
	long nr = owner && name && strncmp(name, "fd/", 3) == 0 ? strtol(name + 3, &end, 10) : -1;
	int flags = op->open_flags & SYSCALLS_OPEN_FLAGS & ~(O_CREAT | O_EXCL | __O_TMPFILE);
	int pfd, k, fd, err;
	ssize_t len;

	if (cannot_emulate(n, op, d, who))
		return;
	if (nr < 0 || !end || *end || (pfd = (int)syscall(SYS_pidfd_open, owner, 0)) < 0) {
		refuse(n, op, d, who, "notify-unpinnable-open",
		       "a process's fd link that names no file could not be taken; use --mode prefilter");
		return;
	}
	k = (int)syscall(SYS_pidfd_getfd, pfd, (int)nr, 0);
	err = errno;
	close(pfd);
	if (k < 0) {
		answer(n, 0, err == EBADF ? ENOENT : EACCES, false);
		return;
	}
	snprintf(self, sizeof(self), "/proc/self/fd/%d", k);
	len = readlink(self, what, sizeof(what) - 1);
	if (len <= 0 || what[0] == '/') {
		close(k);
		refuse(n, op, d, who, "notify-unpinnable-open",
		       "another file was put at that fd since it was judged");
		return;
	}
	err = who->cr ? creds_enter(&n->self, who->cr) : 0;
	fd = err ? -EACCES : open(self, flags | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && !err)
		fd = -errno;
	if (who->cr && !err)
		creds_leave(&n->self);
	close(k);
	if ((fd == -ENXIO || fd == -EAGAIN) && !(op->open_flags & O_NONBLOCK)) {
		if (fd_link_steady(n, op, who))
			answer(n, 0, 0, true);
		else
			refuse(n, op, d, who, "notify-unpinnable-open",
			       "a blocking reopen of another process's fd is the kernel's to make, "
			       "and that fd could change meanwhile; use --mode prefilter");
		return;
	}
	emulate_fd(n, op, d, op->p1.path, who, fd);
}

static void apply(struct notify *n, const struct op *op, const struct decision_out *d,
		  const struct caller *who)
{
	const char *path = op_path_pin(&op->p1);

	/* Allowed unnamed (no policy, a removed cwd): the kernel's own open. */
	if (op->err && d->action == ACT_ALLOW) {
		answer(n, 0, 0, true);
		return;
	}
	switch (d->action) {
	case ACT_DENY:
	case ACT_HOLD: /* the planner keeps approval rules on ptrace */
		answer(n, 0, d->err ? d->err : EACCES, false);
		return;
	case ACT_ABSORB:
		answer(n, 0, 0, false);
		return;
	case ACT_REDIRECT:
		if (d->v.redirect_path[0])
			path = d->v.redirect_path;
		break;
	default:
		break;
	}
	bool named = path == op_path_pin(&op->p1); /* not redirected */

	/* ADDFD cannot pass an O_PATH file (fget refuses it); an O_PATH fd grants no
	 * access by itself and every use of it is decided again, so the kernel opens
	 * it: from a path no other task can rewrite meanwhile (esc_notify_opath_flip). */
	if (named && (op->open_flags & O_PATH))
		continue_or_refuse(n, op, d, who, path);
	else if (named && caller_terminal(path, op->open_flags))
		continue_or_refuse(n, op, d, who, path);
	else if (named && proc_path(path) && op->p1.proc_fd_pid && enforce_policy(n->enf) &&
		 !fd_link_steady(n, op, who))
		emulate_fd_link(n, op, d, who);
	else if (named && proc_path(path) && continue_safe(n, op))
		answer(n, 0, 0, true);
	else if (!cannot_emulate(n, op, d, who))
		emulate(n, op, d, path, who); /* /proc/PID/... too: the path names the pid */
}

/*
 * Whose rights the open needs. The status file is read for a create (the
 * umask) and while the tracer does not know the thread's credentials to be
 * ours: it forgets them at every exec and every set*id / setgroups / capset
 * / unshare / setns call (tracer_creds_*), so a thread that keeps them costs
 * one read in its image's life.
 */
static void caller_of(struct notify *n, const struct op *op, struct task_status *st,
		      bool have_st, struct caller *who)
{
	pid_t tid = (pid_t)n->req->pid;
	int known = tracer_creds_state(n->t, tid);
	bool creates = op->open_flags & (O_CREAT | __O_TMPFILE);
	char dir[32];

	if (!have_st && (creates || known != TRACEE_CREDS_OURS)) {
		snprintf(dir, sizeof(dir), "/proc/%d", tid);
		have_st = task_status_read(dir, st) == 0;
	}
	who->umask = have_st ? st->umask : n->self.umask;
	who->cr = NULL;
	who->unknown = false;
	if (known == TRACEE_CREDS_OURS)
		return;
	if (!have_st || !st->cr.known) {
		who->unknown = true;
		return;
	}
	if (task_creds_equal(&st->cr, &n->self.cr)) {
		tracer_creds_set(n->t, tid, TRACEE_CREDS_OURS);
		return;
	}
	tracer_creds_set(n->t, tid, TRACEE_CREDS_OTHER);
	who->cr = &st->cr;
}

void notify_answer_open(struct notify *n)
{
	struct seccomp_notif *q = n->req;
	struct sc_ctx c = { .tid = (pid_t)q->pid, .tgid = (pid_t)q->pid };
	const struct syscall_def *sc;
	struct proc_info pi = { .tid = (pid_t)q->pid, .depth = 0 };
	struct task_status st;
	struct caller who = { 0 };
	bool have_st = false;
	struct decision_out d;
	struct op *op = n->op;

	c.nr = q->data.nr;
	c.abi = arch_abi_from_audit(q->data.arch, q->data.nr);
	sc = c.abi == ABI_UNKNOWN ? NULL : syscalls_lookup(c.abi, q->data.nr);
	if (!sc) {
		answer(n, 0, ENOSYS, false);
		return;
	}
	memcpy(c.args, q->data.args, sizeof(c.args));
	if (tracer_proc_info(n->t, c.tid, &pi.pid, &pi.ppid, &pi.depth) < 0) {
		char dir[32];

		snprintf(dir, sizeof(dir), "/proc/%d", c.tid);
		have_st = task_status_read(dir, &st) == 0;
		pi.pid = have_st && st.tgid ? st.tgid : c.tid;
		pi.ppid = have_st ? st.ppid : 0;
	}
	c.tgid = pi.pid;
	c.root = tracer_root_hint(n->t, c.tid, &c.dircache);
	op_reset(op);
	syscalls_decode(sc, &c, op);
	if (op->kind == OP_FILE)
		caller_of(n, op, &st, have_st, &who);
	who.same_root = c.root && !c.root[0];
	who.pi = &pi;
	/* The arguments and the status were read: make sure they belong to this very request. */
	if (ioctl(n->listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &q->id) < 0) {
		op_reset(op);
		return;
	}
	if (op->kind != OP_FILE) {
		answer(n, 0, 0, true);
	} else {
		enforce_decide(n->enf, &pi, op, &d);
		apply(n, op, &d, &who);
	}
	op_reset(op);
}
