/*
 * Pinning an allowed call's checked arguments (design.md §3): the canonical
 * path, argv or sockaddr is copied into the thread's scratch slot and the
 * syscall pointed there, and opens become openat2 with
 * RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS so a symlink swapped in after
 * our check fails the call instead of redirecting it. One stop, no race.
 */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "scratch.h"
#include "syscalls/mem.h"
#include "syscalls/sockaddr.h"
#include "syscalls/syscalls.h"
#include "policy/policy.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>

struct pin {
	struct tracer *t;
	struct tracee *tr;
	int fd_arg; /* pin_fdfile: the tracee's fd */
	bool by_name; /* ... rewritten to a call by the name judged */
	struct arch_regs regs;
	enum abi abi;
	bool openat2;
	bool from_info; /* regs hold only nr and arguments, from the stop's syscall info */
};

/* struct ptrace_syscall_info as Linux 6.16 reads it (op, reserved, flags). */
#ifndef PTRACE_SET_SYSCALL_INFO
#define PTRACE_SET_SYSCALL_INFO 0x4212
#endif
struct set_syscall_info {
	uint8_t op, reserved;
	uint16_t flags;
	uint32_t arch;
	uint64_t ip, sp;
	uint64_t nr, args[6];
	uint32_t ret_data, reserved2;
};

/*
 * The registers a pin changes are the syscall number and arguments. Where
 * PTRACE_SET_SYSCALL_INFO exists they are taken from the stop's syscall info
 * and written back with it: one ptrace call instead of GETREGS + SETREGS.
 */
_Static_assert(sizeof(struct set_syscall_info) == 88, "Linux 6.16 layout");

static int pin_regs_get(struct tracer *t, struct pin *p)
{
	if (t->set_sc_info < 0 || t->cur_op != PTRACE_SYSCALL_INFO_SECCOMP)
		return arch_host->get_regs(p->tr->tid, &p->regs);
	memset(&p->regs, 0, sizeof(p->regs));
	arch_host->set_nr(&p->regs, t->cur_nr);
	for (int i = 0; i < 6; i++)
		arch_host->set_arg(&p->regs, p->abi, i, t->cur_args[i]);
	p->from_info = true;
	return 0;
}

static int pin_regs_set(struct tracer *t, struct pin *p)
{
	struct set_syscall_info si = { .op = PTRACE_SYSCALL_INFO_SECCOMP, .arch = t->cur_arch };
	struct arch_regs full;

	if (!p->from_info)
		return arch_host->set_regs(p->tr->tid, &p->regs);
	si.nr = (uint64_t)arch_host->get_nr(&p->regs);
	for (int i = 0; i < 6; i++)
		si.args[i] = arch_host->get_arg(&p->regs, p->abi, i);
	if (ptrace(PTRACE_SET_SYSCALL_INFO, p->tr->tid, sizeof(si), &si) == 0) {
		t->set_sc_info = 1;
		return 0;
	}
	if (errno != EIO && (errno != EINVAL || t->set_sc_info > 0))
		return -errno;
	/* An older kernel (EIO), or a layout it does not take: registers. */
	t->set_sc_info = errno == EIO || t->set_sc_info == 0 ? -1 : t->set_sc_info;
	if (arch_host->get_regs(p->tr->tid, &full) < 0)
		return -errno;
	arch_host->set_nr(&full, (long)si.nr);
	for (int i = 0; i < 6; i++)
		arch_host->set_arg(&full, p->abi, i, si.args[i]);
	return arch_host->set_regs(p->tr->tid, &full);
}

static long openat2_nr(enum abi abi)
{
	static long nr[ABI_COUNT];

	if (!nr[abi])
		nr[abi] = seccomp_syscall_resolve_name_arch(arch_scmp_token(abi), "openat2");
	return nr[abi];
}

static int put_path(struct pin *p, size_t off, const char *path, int arg)
{
	uint64_t at = scratch_put(p->tr, off, path, strlen(path) + 1);

	if (!at)
		return -ENOMEM;
	arch_host->set_arg(&p->regs, p->abi, arg, at);
	return 0;
}

/* Magic links (/proc/PID/fd/N of a pipe) cannot pass RESOLVE_NO_MAGICLINKS:
 * those keep their name pinned but resolve as before. */
static bool needs_magic(const char *path)
{
	return strncmp(path, "/proc/", 6) == 0;
}

static int pin_open(struct pin *p, const struct op *op)
{
	const struct syscall_def *sc = op->sc;
	struct open_how how = { 0 };
	uint64_t at;
	int path_arg = sc->path;
	int flags = op->open_flags & SYSCALLS_OPEN_FLAGS; /* openat2 refuses the rest */
	const char *path = op_path_pin(&op->p1);
	char anchored[64];

	/* A process's fd link that named no file (a pipe): through our copy of
	 * that fd, not the link the kernel would follow again (tracer/anchor.c). */
	if (needs_magic(op->p1.path) && op->p1.proc_fd_pid) {
		int r = tracer_anchor(p->t, p->tr, op->p1.path, true, anchored, sizeof(anchored));

		if (r < 0)
			return r;
		if (r == 0)
			path = anchored;
	}
	/* Without openat2 (or for magic links) the name is pinned as a string;
	 * exit-time verification covers symlink swaps there. */
	if ((needs_magic(op->p1.path) || !p->openat2) && !op->open_how) {
		if (sc->dirfd >= 0)
			arch_host->set_arg(&p->regs, p->abi, sc->dirfd, (uint64_t)AT_FDCWD);
		return put_path(p, SCRATCH_OFF_PATH1, path, path_arg);
	}
	how.flags = (uint64_t)(unsigned)flags;
	if (flags & (O_CREAT | O_TMPFILE)) {
		uint64_t mode_arg = sc->sf & SF_CREAT ? 1 : (sc->dirfd >= 0 ? 3 : 2);
		how.mode = arch_host->get_arg(&p->regs, p->abi, (int)mode_arg) & 07777;
	}
	if (op->open_how) {
		struct open_how orig = { 0 };
		size_t n = arch_host->get_arg(&p->regs, p->abi, 3);

		if (n > sizeof(orig))
			n = sizeof(orig);
		if (mem_read(p->tr->tid, arch_host->get_arg(&p->regs, p->abi, 2), &orig, n) == 0) {
			how.mode = orig.mode;
			how.resolve = orig.resolve;
		}
	}
	how.resolve |= RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	/* The caller's walk was made at decode (probe_resolve): the pinned name is
	 * where it led, walked from / (which may cross mounts its walk did not). */
	how.resolve &= ~(uint64_t)(RESOLVE_IN_ROOT | RESOLVE_BENEATH | RESOLVE_NO_XDEV);
	if (needs_magic(op->p1.path))
		how.resolve &= ~(uint64_t)(RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
	if (!p->openat2)
		return -ENOTSUP; /* an openat2 call where openat2 is missing: cannot happen */
	/* open_how and the path in one write: 32 bytes of how, then the path. */
	struct {
		struct open_how how;
		uint64_t pad;
		char path[PATH_MAX];
	} blob;
	size_t plen = strlen(path) + 1;

	_Static_assert(offsetof(typeof(blob), path) == 32, "path follows how");
	blob.how = how;
	blob.pad = 0;
	memcpy(blob.path, path, plen);
	at = scratch_put(p->tr, SCRATCH_OFF_OPEN, &blob, 32 + plen);
	if (!at)
		return -ENOMEM;
	arch_host->set_arg(&p->regs, p->abi, 1, at + 32);
	arch_host->set_nr(&p->regs, openat2_nr(p->abi));
	arch_host->set_arg(&p->regs, p->abi, 0, (uint64_t)AT_FDCWD);
	arch_host->set_arg(&p->regs, p->abi, 2, at);
	arch_host->set_arg(&p->regs, p->abi, 3, sizeof(how));
	return 0;
}

/* A path as judged, or the name anchored to it (tracer/anchor.c): a call
 * that follows its final symlink goes through the object itself, any
 * other through its directory. */
static int put_named(struct pin *p, size_t off, const char *path, bool object, int arg)
{
	char name[PATH_MAX];
	int r = tracer_anchor(p->t, p->tr, path, object, name, sizeof(name));

	if (r < 0)
		return r;
	return put_path(p, off, r == 0 ? name : path, arg);
}

static int put_anchored(struct pin *p, size_t off, const struct op_path *op_p, int arg)
{
	return put_named(p, off, op_path_pin(op_p), op_p->follow, arg);
}

static long nr_of(enum abi abi, const char *name)
{
	return seccomp_syscall_resolve_name_arch(arch_scmp_token(abi), name);
}

/*
 * The name a change through the tracee's fd is made by, written to name:
 * its file as the tracer's own copy (/proc/<agentsh>/fd/K, checked to be the
 * file judged), so that a thread's dup2() onto the fd after the decision
 * gains nothing. Where the tree may not follow our links, a process alone
 * with its fd table runs the call as it is (1: nothing can change the fd
 * before the kernel reads it); one that shares it gets the name judged
 * (p->by_name; the path calls run one at a time then, tracer/anchor.c), or
 * is refused when the file has none. -errno: refused.
 */
static int fd_name(struct pin *p, const struct op *op, bool o_path_ok, char *name, size_t cap)
{
	int r = tracer_anchor_fd(p->t, p->tr, p->fd_arg, op->p1.path, o_path_ok, name, cap);

	if (r <= 0 || r == 4)
		return r;
	if (!p->tr->files_shared)
		return 1;
	if (r == 3 || op->p1.path[0] != '/' || strstr(op->p1.path, " (deleted)"))
		return -ENOTSUP;
	if ((size_t)snprintf(name, cap, "%s", op_path_pin(&op->p1)) >= cap)
		return -ENAMETOOLONG;
	p->by_name = true;
	return 0;
}

/*
 * A change through an fd (fchmod, fchown, f{set,remove}xattr, futimens):
 * judged on the file the fd named; made the same change by name (fd_name):
 * fchmod(fd, m) -> fchmodat(AT_FDCWD, "/proc/<agentsh>/fd/K", m), and so
 * on. chattr's ioctls need their fd: refused while another task shares the
 * fd table (none does for chattr(1)).
 */
static int pin_fdfile(struct pin *p, const struct op *op)
{
	const char *n = op->sc->name;
	char name[PATH_MAX];
	const char *to;
	uint64_t a[6];
	int shift, r;

	if (strcmp(n, "fchmod") == 0)
		to = "fchmodat", shift = 1;
	else if (strncmp(n, "fchown", 6) == 0)
		to = "fchownat", shift = 1;
	else if (strcmp(n, "fsetxattr") == 0)
		to = "setxattr", shift = 0;
	else if (strcmp(n, "fremovexattr") == 0)
		to = "removexattr", shift = 0;
	else if (strncmp(n, "utimensat", 9) == 0 && !arch_host->get_arg(&p->regs, p->abi, 3))
		to = n, shift = 1;
	else if (strncmp(n, "ioctl", 5) == 0)
		return p->tr->files_shared ? -ENOTSUP : 0;
	else
		return 0; /* utimensat(fd, NULL) with flags: EINVAL natively */
	r = fd_name(p, op, false, name, sizeof(name));
	if (r)
		return r > 0 ? 0 : r;
	for (int i = 0; i < 6; i++)
		a[i] = arch_host->get_arg(&p->regs, p->abi, i);
	/* fchmod(fd, m) -> fchmodat(AT_FDCWD, name, m); fsetxattr(fd, ...) ->
	 * setxattr(name, ...); utimensat(fd, NULL, t, 0) -> (AT_FDCWD, name, t, 0) */
	if (shift) {
		for (int i = 5; i >= 2; i--)
			a[i] = a[i - 1];
		a[0] = (uint64_t)(int64_t)AT_FDCWD;
		if (strncmp(n, "utimensat", 9) == 0)
			a[2] = arch_host->get_arg(&p->regs, p->abi, 2), a[3] = 0;
		if (strncmp(n, "fchown", 6) == 0)
			a[4] = 0;
	}
	for (int i = 0; i < 6; i++)
		arch_host->set_arg(&p->regs, p->abi, i, a[i]);
	arch_host->set_nr(&p->regs, nr_of(p->abi, to));
	return put_path(p, SCRATCH_OFF_PATH1, name, shift ? 1 : 0);
}

/*
 * A path call with an empty name and AT_EMPTY_PATH (fchmodat2, fchownat,
 * utimensat, linkat, setxattrat, removexattrat, file_setattr) acts on its
 * dirfd's file: made by name like pin_fdfile, the flags that named the fd
 * dropped. linkat follows the tracer's link to the file (AT_SYMLINK_FOLLOW,
 * as linkat through /proc/self/fd/N is meant to be used).
 */
static int pin_empty_path(struct pin *p, const struct op *op)
{
	const struct syscall_def *sc = op->sc;
	char name[PATH_MAX];
	uint64_t fl;
	int r;

	if (sc->dirfd < 0 || sc->path < 0 || sc->flags < 0)
		return -ENOTSUP;
	r = fd_name(p, op, true, name, sizeof(name));
	if (r < 0 || r == 1)
		return r > 0 ? 0 : r;
	fl = arch_host->get_arg(&p->regs, p->abi, sc->flags) &
	     ~(uint64_t)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW | AT_SYMLINK_FOLLOW);
	arch_host->set_arg(&p->regs, p->abi, sc->dirfd, (uint64_t)(int64_t)AT_FDCWD);
	if (r == 4) {
		/* a symlink's fd: the symlink itself, by its name (anchored
		 * through its directory), not followed */
		arch_host->set_arg(&p->regs, p->abi, sc->flags,
				   fl | (strcmp(sc->name, "linkat") ? AT_SYMLINK_NOFOLLOW : 0));
		return put_named(p, SCRATCH_OFF_PATH1, op_path_pin(&op->p1), false, sc->path);
	}
	if (strcmp(sc->name, "linkat") == 0 && !p->by_name)
		fl |= AT_SYMLINK_FOLLOW;
	arch_host->set_arg(&p->regs, p->abi, sc->flags, fl);
	return put_path(p, SCRATCH_OFF_PATH1, name, sc->path);
}

static int pin_paths(struct pin *p, const struct op *op)
{
	const struct syscall_def *sc = op->sc;
	int r = 0;

	if (op->npaths >= 1 && op->p1.raw[0] && sc->path >= 0)
		r = put_anchored(p, SCRATCH_OFF_PATH1, &op->p1, sc->path);
	if (!r && op->npaths >= 2 && op->p2.raw[0] && sc->path2 >= 0)
		r = put_anchored(p, SCRATCH_OFF_PATH2, &op->p2, sc->path2);
	return r;
}

/*
 * exec: the program's name, the argument strings and the argv[] array
 * pointing at them, laid out in one buffer and written with one pwrite
 * (a compiler's thirty arguments used to take thirty-two).
 */
#define EXEC_BLOB_MAX (PATH_MAX + OP_MAX_ARGV_BYTES + 8 + (OP_MAX_ARGC + 1) * 8)
_Static_assert(SCRATCH_OFF_ARGV + EXEC_BLOB_MAX <= SCRATCH_OFF_ENV, "exec blob fits its slot part");

/* The name is pinned as written, with its dirfd: a script's $0 and a
 * program's AT_EXECFN are what the caller gave. What the kernel runs under
 * that name is checked at the exec event (tracer_exec_verify). */
static int pin_exec(struct pin *p, const struct op *op)
{
	static char blob[EXEC_BLOB_MAX];
	const uint64_t base = SCRATCH_OFF_ARGV;
	bool at = op->sc->dirfd >= 0;
	const char *name = op->p1.raw[0] ? op->p1.raw : NULL;
	size_t off = 0, n, ptr_off;
	uint64_t slot;

	if (arch_abi_wordsize(p->abi) != 8)
		return -ENOTSUP;
	/* Only the first OP_MAX_ARGC arguments were read: pinning them would
	 * run the program with a cut argv. Unpinnable (denied under a policy,
	 * where a truncated argv is denied anyway; else run as given). */
	if (op->truncated)
		return -E2BIG;
	if (name) {
		n = strlen(name) + 1;
		if (n > PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(blob, name, n);
		off = n;
	}
	size_t str_off = off;
	for (int i = 0; i < op->argc; i++) {
		n = strlen(op->argv[i]) + 1;
		if (off + n > PATH_MAX + OP_MAX_ARGV_BYTES)
			return -E2BIG;
		memcpy(blob + off, op->argv[i], n);
		off += n;
	}
	ptr_off = (off + 7) & ~(size_t)7;
	memset(blob + off, 0, ptr_off - off);
	/* The slot's tracee address is known once written: fill the pointers
	 * from offsets, then write everything at once. */
	slot = scratch_slot_addr(p->tr);
	if (!slot)
		return -ENOMEM;
	uint64_t *ptrs = (uint64_t *)(void *)(blob + ptr_off);
	off = str_off;
	for (int i = 0; i < op->argc; i++) {
		ptrs[i] = slot + base + off;
		off += strlen(op->argv[i]) + 1;
	}
	ptrs[op->argc] = 0;
	n = ptr_off + (size_t)(op->argc + 1) * 8;
	if (scratch_put(p->tr, base, blob, n) != slot + base)
		return -ENOMEM;
	if (name)
		arch_host->set_arg(&p->regs, p->abi, at ? 1 : 0, slot + base);
	arch_host->set_arg(&p->regs, p->abi, at ? 2 : 1, slot + base + ptr_off);
	return 0;
}

static int pin_sockaddr_bytes(struct pin *p, const struct op *op, const void *bytes, size_t len)
{
	uint64_t sa;

	if (!len)
		return 0;
	sa = scratch_put(p->tr, SCRATCH_OFF_SOCKADDR, bytes, len);
	if (!sa)
		return -ENOMEM;
	if (op->sockaddr_arg >= 0 && strcmp(op->name, "sendmsg") != 0) {
		arch_host->set_arg(&p->regs, p->abi, op->sockaddr_arg, sa);
		return 0;
	}
	if (op->msg_ptr) {
		struct msghdr m;
		uint64_t at;

		if (mem_read(p->tr->tid, op->msg_ptr, &m, sizeof(m)) < 0)
			return -EFAULT;
		/* To 0.0.0.0 the source is the destination: IP_PKTINFO could
		 * pick it (tracer/syscall.c any_destination). */
		if (op->any_dest && m.msg_controllen)
			return -EPERM;
		m.msg_name = (void *)(uintptr_t)sa;
		m.msg_namelen = (socklen_t)len;
		at = scratch_put(p->tr, SCRATCH_OFF_MSG, &m, sizeof(m));
		if (!at)
			return -ENOMEM;
		arch_host->set_arg(&p->regs, p->abi, 1, at);
		return 0;
	}
	return -ENOTSUP; /* sendmmsg: handled by the caller message by message */
}

static int pin_sockaddr(struct pin *p, const struct op *op)
{
	struct sockaddr_un sun;
	char name[sizeof(sun.sun_path)];
	long n = sockaddr_unix_pinned(op, &sun, sizeof(sun));
	int r;

	/* A unix path socket goes through the socket file itself, opened by
	 * us (tracer/anchor.c: also a name short enough however long the
	 * path), else by its resolved name. */
	if (op->kind == OP_UNIX && n != 0 &&
	    (r = tracer_anchor(p->t, p->tr, op_path_pin(&op->p1), true, name, sizeof(name))) <= 0) {
		if (r < 0)
			return r;
		n = sockaddr_unix_named(name, &sun, sizeof(sun));
	}
	if (n < 0)
		return (int)n;
	if (n > 0)
		return pin_sockaddr_bytes(p, op, &sun, (size_t)n);
	return pin_sockaddr_bytes(p, op, op->sa_raw, op->sa_len);
}

/* A redirected connect/sendto: the new address, pinned like a checked one. */
int tracer_pin_sockaddr(struct tracee *tr, const struct op *op, const void *sa, size_t len)
{
	struct pin p = { .tr = tr, .abi = tr->cur_abi };
	int r;

	if (!scratch_mm_mapped(tr->mm) || arch_abi_wordsize(p.abi) != 8)
		return -ENOTSUP;
	r = arch_host->get_regs(tr->tid, &p.regs);
	if (!r)
		r = pin_sockaddr_bytes(&p, op, sa, len);
	return r ? r : arch_host->set_regs(tr->tid, &p.regs);
}

static bool has_memory_args(const struct op *op)
{
	switch (op->kind) {
	case OP_FILE:
		/* fd-based: only where the fd can be taken (pin_fdfile) */
	case OP_EXEC:
		return true;
	case OP_NET:
	case OP_UNIX:
		return op->sa_len > 0;
	default:
		return false;
	}
}

/* i386's socketcall: every argument of the call it makes (a socket's type,
 * setsockopt's option) was read from memory another thread can rewrite,
 * and a 32-bit call cannot be pinned. */
static bool via_socketcall(const struct tracer *t, const struct tracee *tr)
{
	const struct syscall_def *sc = syscalls_lookup(tr->cur_abi, t->cur_nr);

	return sc && strcmp(sc->name, "socketcall") == 0;
}

int tracer_pin(struct tracer *t, struct tracee *tr, const struct op *op)
{
	struct pin p = { .t = t, .tr = tr, .abi = tr->cur_abi, .openat2 = t->have_openat2 };
	int r;

	/* Allowed with arguments we could not name (only without a policy):
	 * nothing was checked, so nothing to pin; the kernel answers. */
	if (op->err || (!has_memory_args(op) && !via_socketcall(t, tr)))
		return 0;
	/* The root's first exec is our own code: nothing else shares its memory. */
	if (tr->depth < 0)
		return 0;
	if (!scratch_mm_mapped(tr->mm) || arch_abi_wordsize(p.abi) != 8)
		return -ENOTSUP;
	r = pin_regs_get(t, &p);
	if (r)
		return r;
	if (op->kind == OP_FILE && op->sc->decode == dec_open) /* open, openat, openat2, creat */
		r = pin_open(&p, op);
	else if (op->kind == OP_FILE && !op->p1.raw[0] && op->npaths && op->p1.dirfd >= 0) {
		/* the fd's own file: fchmod(fd), or fchmodat2(fd, "", AT_EMPTY_PATH) */
		p.fd_arg = op->p1.dirfd;
		if (op->sc->path >= 0 && arch_host->get_arg(&p.regs, p.abi, op->sc->path))
			r = pin_empty_path(&p, op);
		else
			r = pin_fdfile(&p, op);
	} else if (op->kind == OP_FILE)
		r = pin_paths(&p, op);
	else if (op->kind == OP_EXEC)
		r = pin_exec(&p, op);
	else
		r = pin_sockaddr(&p, op);
	if (!r)
		r = pin_regs_set(t, &p);
	if (r)
		return r;
	/* Names are not all anchored: one path call at a time (anchor.c). */
	if (t->ns_strict && op->kind == OP_FILE && enforce_policy(t->enf) &&
	    (op->sc->decode == dec_path || op->sc->decode == dec_utimens || p.by_name))
		tracer_guard_begin(t, tr);
	if (tr->nanchors) {
		uint64_t args[6];

		for (int i = 0; i < 6; i++)
			args[i] = arch_host->get_arg(&p.regs, p.abi, i);
		tracer_anchor_note(tr, arch_host->get_nr(&p.regs), args);
	}
	return 0;
}

/* Reads the exec's envp (at most 4096 entries of 128 KiB) from the tracee. */
static char **read_envp(pid_t tid, uint64_t vec)
{
	char **env = calloc(4097, sizeof(char *)), *buf = malloc(128 * 1024);
	struct mem_pages *pc = malloc(sizeof(*pc));
	size_t n = 0;

	if (!env || !buf || !pc)
		goto fail;
	mem_pages_init(pc, tid);
	for (; vec && n < 4096; n++) {
		uint64_t p = 0;
		ssize_t len;

		if (mem_pages_read(pc, vec + n * 8, &p, 8) < 0)
			goto fail;
		if (!p)
			break;
		len = mem_pages_read_str(pc, p, buf, 128 * 1024);
		if (len < 0 || !(env[n] = strndup(buf, (size_t)len)))
			goto fail;
	}
	free(buf);
	free(pc);
	return env;
fail:
	free(buf);
	free(pc);
	policy_env_free(env);
	return NULL;
}

/*
 * An exec whose command rule has env_* overrides gets its environment built
 * by the policy and pinned; -E2BIG (limits) or -ENOMEM deny the exec.
 */
int tracer_pin_env(struct tracer *t, struct tracee *tr, const struct op *op,
		   const struct verdict *v, const struct policy *p)
{
	struct pin pn = { .tr = tr, .abi = tr->cur_abi };
	int envp_arg = op->sc->dirfd >= 0 ? 3 : 2;
	struct policy_error err;
	char **in, **out = NULL;
	uint64_t ptrs[4097];
	size_t off = SCRATCH_OFF_ENV, n = 0;
	int r;

	if (!scratch_mm_mapped(tr->mm) || arch_abi_wordsize(pn.abi) != 8)
		return -ENOTSUP;
	r = arch_host->get_regs(tr->tid, &pn.regs);
	if (r)
		return r;
	in = read_envp(tr->tid, arch_host->get_arg(&pn.regs, pn.abi, envp_arg));
	if (!in)
		return -EFAULT;
	r = policy_build_env(p, v, in, &out, &err);
	policy_env_free(in);
	if (r)
		return r;
	/* Strings then the pointer array, in one buffer, written at once. */
	static char blob[SCRATCH_SLOT_SIZE - SCRATCH_OFF_ENV];
	uint64_t slot = scratch_slot_addr(tr);
	size_t at_blob = 0;

	for (; out[n] && !r; n++) {
		size_t len = strlen(out[n]) + 1;
		if (n >= 4096 || at_blob + len + (n + 2) * 8 + 8 > sizeof(blob))
			r = -E2BIG;
		else {
			memcpy(blob + at_blob, out[n], len);
			ptrs[n] = slot + off + at_blob;
			at_blob += len;
		}
	}
	policy_env_free(out);
	if (!r && !slot)
		r = -ENOMEM;
	if (r)
		return r;
	ptrs[n] = 0;
	size_t ptr_off = (at_blob + 7) & ~(size_t)7;
	memset(blob + at_blob, 0, ptr_off - at_blob);
	memcpy(blob + ptr_off, ptrs, (n + 1) * 8);
	if (scratch_put(tr, off, blob, ptr_off + (n + 1) * 8) != slot + off)
		return -ENOMEM;
	uint64_t at = slot + off + ptr_off;
	arch_host->set_arg(&pn.regs, pn.abi, envp_arg, at);
	return arch_host->set_regs(tr->tid, &pn.regs);
}
