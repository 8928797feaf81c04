/* Path syscalls: open family, unlink, mkdir, rename, link, chmod ... */
#include "compat.h"
#include "syscalls.h"
#include "mem.h"
#include "fs/resolve.h"
#include "policy/policy.h"

#include <fcntl.h>
#include <stdio.h>
#include <linux/openat2.h>

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
		if (how.resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH))
			op->flags = how.resolve;
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
