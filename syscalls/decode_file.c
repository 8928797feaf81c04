/* Path syscalls: open family, unlink, mkdir, rename, link, chmod ... */
#include "compat.h"
#include "syscalls.h"
#include "mem.h"
#include "fs/resolve.h"
#include "policy/policy.h"

#include <fcntl.h>
#include <stdio.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

#ifndef O_TMPFILE
#define O_TMPFILE (020000000 | O_DIRECTORY)
#endif

/* compat.md §1: open; write if O_WRONLY|O_RDWR|O_APPEND|O_TRUNC|O_CREAT;
 * create if O_CREAT|O_EXCL or O_TMPFILE; a read-only open is also a read. */
unsigned syscalls_open_flags_to_ops(int flags)
{
	unsigned ops = FOP_OPEN;

	if ((flags & O_TMPFILE) == O_TMPFILE || ((flags & O_CREAT) && (flags & O_EXCL)))
		return ops | FOP_CREATE | FOP_WRITE;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_APPEND | O_TRUNC | O_CREAT)))
		return ops | FOP_WRITE;
	return ops | FOP_READ;
}

static int dirfd_arg(const struct sc_ctx *c, int idx)
{
	return idx < 0 ? AT_FDCWD : (int)(int32_t)c->args[idx];
}

/* Reads and resolves one path argument. */
static int decode_path(const struct sc_ctx *c, struct op *op, struct op_path *p, int dirfd_idx,
		       int path_idx, bool follow, bool empty_ok, unsigned flags)
{
	ssize_t n = mem_read_str(c->tid, c->args[path_idx], p->raw, sizeof(p->raw));
	int r;

	if (n < 0) {
		op->err_what = "path";
		/* A bad pointer or a name past PATH_MAX: the kernel says the same. */
		op->err_native = n == -EFAULT || n == -ENAMETOOLONG;
		return op->err = (int)n;
	}
	p->dirfd = dirfd_arg(c, dirfd_idx);
	p->follow = follow;
	flags |= (follow ? FS_FOLLOW : 0) | (empty_ok ? FS_EMPTY_OK : 0);
	r = fs_resolve_ex(c->root, c->tid, c->tgid, p->dirfd, p->raw, flags, p->path,
			  sizeof(p->path), p->pin, sizeof(p->pin));
	p->proc_fd_pid = fs_resolve_proc_fd_pid();
	if (r) {
		/* Judged and recorded by the name as written, made absolute. */
		char dir[PATH_MAX];
		int len = p->raw[0] == '/' || fs_dirfd_path(c->tid, c->tgid, p->dirfd, dir, sizeof(dir))
				? snprintf(p->path, sizeof(p->path), "%s", p->raw)
				: snprintf(p->path, sizeof(p->path), "%s/%s", dir, p->raw);
		if (len >= 0 && (size_t)len < sizeof(p->path) && p->path[0] == '/')
			fs_clean_path(p->path);
		op->err_what = "path resolution";
		op->err_native = fs_error_native(r);
		return op->err = r;
	}
	op->npaths++;
	return 0;
}

/* The caller's dirfd (or cwd) as our own O_PATH fd, or -errno. */
static int caller_dirfd(const struct sc_ctx *c, int dirfd)
{
	char p[64];
	int fd;

	if (dirfd == AT_FDCWD) {
		snprintf(p, sizeof(p), "/proc/%d/cwd", c->tid);
		fd = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	int pidfd = (int)syscall(SYS_pidfd_open, c->tgid, 0);
	if (pidfd < 0)
		return -errno;
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, dirfd, 0);
	fd = fd < 0 ? -errno : fd;
	close(pidfd);
	return fd;
}

/*
 * openat2 with RESOLVE_* flags: the walk itself is what the caller asked
 * for (BENEATH: EXDEV on "..", NO_SYMLINKS: ELOOP on a link, IN_ROOT: links
 * and ".." stay below dirfd, unknown bits: EINVAL), and our own walk does not
 * do it. So the same walk is made here, on the caller's very dirfd, with
 * O_PATH: its error is the call's (native), and the file it reaches is the
 * name judged and pinned. For a create the parent is walked. Only in our
 * own root and mount namespace (c->root ""), where its path reads the same.
 */
static int probe_resolve(const struct sc_ctx *c, struct op *op, const struct open_how *how)
{
	struct open_how ph = { .flags = O_PATH | O_CLOEXEC, .resolve = how->resolve };
	char parent[PATH_MAX], self[64], real[PATH_MAX];
	const char *name = op->p1.raw, *final = NULL;
	int dfd, fd, r = 0;
	ssize_t n;

	if (!c->root || c->root[0])
		return 1; /* not ours to walk: the usual resolution */
	if (how->flags & O_NOFOLLOW)
		ph.flags |= O_NOFOLLOW;
	dfd = caller_dirfd(c, op->p1.dirfd);
	if (dfd < 0)
		return dfd;
	fd = (int)syscall(SYS_openat2, dfd, name, &ph, sizeof(ph));
	if (fd < 0 && errno == ENOENT && (how->flags & O_CREAT)) {
		/* The file is to be made: walk to its directory. */
		const char *slash = strrchr(name, '/');

		if (slash && slash[1] && (size_t)(slash - name) < sizeof(parent)) {
			snprintf(parent, sizeof(parent), "%.*s", slash == name ? 1 : (int)(slash - name),
				 name);
			final = slash + 1;
		} else if (!slash) {
			snprintf(parent, sizeof(parent), ".");
			final = name;
		}
		if (final) {
			ph.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
			fd = (int)syscall(SYS_openat2, dfd, parent, &ph, sizeof(ph));
		}
	}
	if (fd < 0)
		r = -errno;
	close(dfd);
	if (r)
		return r;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	n = readlink(self, real, sizeof(real) - 1);
	close(fd);
	if (n <= 0 || real[0] != '/')
		return -ENOENT;
	real[n] = 0;
	if (final && snprintf(op->p1.path, sizeof(op->p1.path), "%s/%s", strcmp(real, "/") ? real : "",
			      final) >= (int)sizeof(op->p1.path))
		return -ENAMETOOLONG;
	if (!final)
		snprintf(op->p1.path, sizeof(op->p1.path), "%s", real);
	op->p1.pin[0] = 0;
	return 0;
}

int dec_open(const struct sc_ctx *c, struct op *op)
{
	const struct syscall_def *sc = op->sc;
	int flags;

	op->kind = OP_FILE;
	if (sc->sf & SF_CREAT) {
		flags = O_CREAT | O_WRONLY | O_TRUNC;
	} else if (sc->sf & SF_OPEN_HOW) {
		struct open_how how;
		size_t sz = c->args[3] < sizeof(how) ? (size_t)c->args[3] : sizeof(how);

		memset(&how, 0, sizeof(how));
		if (sz < sizeof(uint64_t) || mem_read(c->tid, c->args[2], &how, sz) < 0) {
			op->err_what = "open_how";
			return op->err = -EFAULT;
		}
		flags = (int)how.flags;
		op->open_how = true;
		/* What openat2 itself refuses, before any walk. */
		if ((how.flags & ~(uint64_t)SYSCALLS_OPEN_FLAGS) ||
		    (how.mode && !(how.flags & (O_CREAT | O_TMPFILE))) || (how.mode & ~07777ULL)) {
			op->err_what = "open_how";
			op->err_native = true;
			return op->err = -EINVAL;
		}
		if (how.resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH))
			op->flags = how.resolve;
		if (how.resolve) {
			ssize_t n = mem_read_str(c->tid, c->args[1], op->p1.raw, sizeof(op->p1.raw));

			op->p1.dirfd = dirfd_arg(c, sc->dirfd);
			op->p1.follow = !(how.flags & O_NOFOLLOW);
			op->open_flags = (int)how.flags;
			op->ops = syscalls_open_flags_to_ops((int)how.flags);
			int r = n < 0 ? (int)n : probe_resolve(c, op, &how);
			if (r == 0) {
				op->npaths = 1;
				return 0;
			}
			if (r < 0) { /* the call's own error: judged by the name as written */
				op->err_what = "path resolution";
				op->err_native = true;
				snprintf(op->p1.path, sizeof(op->p1.path), "%s", op->p1.raw);
				return op->err = r;
			}
		}
	} else {
		flags = (int)c->args[sc->flags];
	}
	op->open_flags = flags;
	op->ops = syscalls_open_flags_to_ops(flags);
	/* O_CREAT|O_EXCL never follows a final symlink; O_NOFOLLOW neither. */
	bool follow = !(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL));
	int r = decode_path(c, op, &op->p1, sc->dirfd, sc->path, follow, false,
			    FS_SLASH_FOLLOWS | (c->dircache ? FS_CACHED : 0));

	/* RESOLVE_IN_ROOT / RESOLVE_BENEATH: an absolute path is taken below
	 * dirfd. Judge it there; the pinned call opens exactly what we judged. */
	if (op->flags && op->p1.raw[0] == '/' && (!r || op->err_native)) {
		const char *rel = op->p1.raw;
		while (*rel == '/')
			rel++;
		op->npaths = 0;
		op->err = 0;
		op->err_native = false;
		op->err_what = NULL;
		r = fs_resolve_ex(c->root, c->tid, c->tgid, op->p1.dirfd, *rel ? rel : ".",
				  FS_SLASH_FOLLOWS | (follow ? FS_FOLLOW : 0), op->p1.path,
				  sizeof(op->p1.path), op->p1.pin, sizeof(op->p1.pin));
		op->p1.proc_fd_pid = fs_resolve_proc_fd_pid();
		if (r) {
			op->err_what = "path resolution";
			op->err_native = fs_error_native(r);
			return op->err = r;
		}
		op->npaths = 1;
	}
	return r;
}

int dec_path(const struct sc_ctx *c, struct op *op)
{
	const struct syscall_def *sc = op->sc;
	int atflags = sc->flags >= 0 ? (int)c->args[sc->flags] : 0;
	bool follow = !(sc->sf & SF_NOFOLLOW);
	bool empty_ok = false;
	int r;

	op->kind = OP_FILE;
	op->ops = sc->ops;
	if ((sc->sf & SF_AT_REMOVEDIR) && (atflags & AT_REMOVEDIR))
		op->ops = FOP_RMDIR;
	if (sc->sf & SF_AT_FLAGS) {
		follow = !(atflags & AT_SYMLINK_NOFOLLOW);
		empty_ok = atflags & AT_EMPTY_PATH;
	}
	if (sc->sf & SF_AT_FOLLOW) {
		follow = atflags & AT_SYMLINK_FOLLOW;
		empty_ok = atflags & AT_EMPTY_PATH;
	}
	op->flags = (uint64_t)atflags;
	/* link/rename: the first path is the source. symlink: arg 0 is the
	 * link's content, not a path we resolve. */
	/* The names unlink, rmdir, mkdir, rename, symlink and mknod act on are
	 * not looked up: a trailing slash does not follow them. */
	bool names = (op->ops & (FOP_DELETE | FOP_RMDIR | FOP_MKDIR | FOP_RENAME | FOP_SYMLINK)) ||
		     op->ops == FOP_CREATE;
	r = decode_path(c, op, &op->p1, sc->dirfd, sc->path, follow, empty_ok,
			names ? 0 : FS_SLASH_FOLLOWS);
	if (r || sc->path2 < 0)
		return r;
	return decode_path(c, op, &op->p2, sc->dirfd2, sc->path2, false, false, 0);
}

/* utimensat(fd, NULL, ...) and futimesat(fd, NULL, ...) set an open file's
 * times (futimens): an fd already decided, like fchmod. */
/*
 * A call that changes the file an open fd names (fchmod, fchown, fsetxattr,
 * futimens, chattr's ioctls): judged as the same change by path, so that a
 * file the policy lets a process open for reading only cannot be changed
 * through that fd. Pipes, sockets and anonymous inodes name no file. The fd
 * itself is not pinned: a thread that dup2()s another file onto it after
 * the decision is not caught.
 */
int syscalls_decode_fd_file(const struct sc_ctx *c, struct op *op, int fd, unsigned ops)
{
	struct op_path *p = &op->p1;
	char link[64];
	ssize_t n;
	int r;

	snprintf(link, sizeof(link), "/proc/%d/fd/%d", c->tid, fd);
	n = readlink(link, p->path, sizeof(p->path) - 1);
	op->kind = OP_FILE;
	op->ops = ops;
	p->raw[0] = 0; /* nothing to pin */
	p->dirfd = fd;
	p->follow = true;
	/* No such fd: EBADF now, not run (another thread could dup2() a file
	 * there before the kernel looks: esc_fchmod_dup2_race's first tries). */
	if (n <= 0) {
		op->err_what = "fd";
		op->err_native = true;
		return op->err = -EBADF;
	}
	/* A pipe, a socket, an anonymous inode: no file to judge (allowed),
	 * but the call is still pinned to it (tracer/pin.c), by that name. */
	p->path[n] = 0;
	if (p->path[0] != '/') {
		op->npaths = 1;
		return 0;
	}
	r = fs_resolve_ex(c->root, c->tid, c->tgid, fd, "", FS_EMPTY_OK | FS_FOLLOW, p->path,
			  sizeof(p->path), p->pin, sizeof(p->pin));
	p->proc_fd_pid = fs_resolve_proc_fd_pid();
	if (r) {
		op->err_what = "fd";
		op->err_native = fs_error_native(r);
		return op->err = r;
	}
	op->npaths = 1;
	return 0;
}

int dec_fdfile(const struct sc_ctx *c, struct op *op)
{
	return syscalls_decode_fd_file(c, op, (int)(int32_t)c->args[op->sc->dirfd], op->sc->ops);
}

int dec_utimens(const struct sc_ctx *c, struct op *op)
{
	int fd = (int)(int32_t)c->args[op->sc->dirfd];

	if (c->args[op->sc->path])
		return dec_path(c, op);
	/* futimens(fd): the fd's file (AT_FDCWD: EFAULT natively). */
	return fd == AT_FDCWD ? 0 : syscalls_decode_fd_file(c, op, fd, op->sc->ops);
}

/* open_by_handle_at names no path: nothing to match a rule against, so it is
 * judged as an open of the mount fd's directory and denied unless allowed. */
int dec_by_handle(const struct sc_ctx *c, struct op *op)
{
	int r = fs_dirfd_path(c->tid, c->tgid, (int)(int32_t)c->args[0], op->p1.path,
			      sizeof(op->p1.path));

	op->kind = OP_DANGER;
	op->flags = c->args[2];
	if (r) {
		op->err_what = "mount fd";
		op->err = r;
	}
	snprintf(op->p1.raw, sizeof(op->p1.raw), "<file handle>");
	op->npaths = 1;
	return 0;
}
