/*
 * The FUSE layer's name operations: lookup, attributes and everything that creates,
 * removes or renames a name. Every real-file call is relative to a directory opened
 * beneath the workspace root with RESOLVE_NO_SYMLINKS, and never follows a final symlink:
 * a link in the workspace pointing to /etc is returned as a link (the kernel resolves it in
 * the command's namespace, where the tracer sees it), never followed by the layer.
 */
#include "compat.h"
#ifdef AGENTSH_HAVE_FUSE3
#include "enforce/enforce.h"
#include "enforce/fuse_int.h"
#include "fs/trash.h"
#include "log.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

struct fuse_layer *fuse_fl(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

static int open_beneath(struct fuse_layer *fl, const char *rel)
{
	struct open_how how = { .flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
					   RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, fl->root_fd, *rel ? rel : ".", &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static int loc_split(struct fuse_layer *fl, struct fuse_loc *l)
{
	char *slash = strrchr(l->rel, '/');
	int fd;

	l->own = false;
	if (!l->rel[0]) { /* the root itself */
		l->dirfd = fl->root_fd;
		l->name = ".";
		l->prel[0] = 0;
		return 0;
	}
	l->name = slash ? slash + 1 : l->rel;
	snprintf(l->prel, sizeof(l->prel), "%.*s", slash ? (int)(slash - l->rel) : 0, l->rel);
	if (!l->prel[0]) {
		l->dirfd = fl->root_fd;
		return 0;
	}
	fd = open_beneath(fl, l->prel);
	if (fd < 0)
		return fd == -ELOOP || fd == -EXDEV ? -ENOENT : fd;
	l->dirfd = fd;
	l->own = true;
	return 0;
}

int fuse_loc_node(struct fuse_layer *fl, struct fuse_node *n, struct fuse_loc *l)
{
	int r = fuse_node_path(&fl->nodes, n, l->rel, sizeof(l->rel));

	l->own = false;
	return r ? r : loc_split(fl, l);
}

int fuse_loc_child(struct fuse_layer *fl, struct fuse_node *parent, const char *name,
		   struct fuse_loc *l)
{
	char prel[PATH_MAX];
	int r = fuse_node_path(&fl->nodes, parent, prel, sizeof(prel));

	l->own = false;
	if (r)
		return r;
	if (snprintf(l->rel, sizeof(l->rel), "%s%s%s", prel, *prel ? "/" : "", name) >=
	    (int)sizeof(l->rel))
		return -ENAMETOOLONG;
	return loc_split(fl, l);
}

void fuse_loc_release(struct fuse_loc *l)
{
	if (l->own)
		close(l->dirfd);
	l->own = false;
}

bool fuse_allowed(fuse_req_t req, struct fuse_layer *fl, const struct fuse_opdesc *d,
		  const struct fuse_loc *l, struct verdict *v, enum fuse_act *act)
{
	struct op op;

	fuse_op_build(&op, d, fl->workspace, l->rel, NULL);
	*act = fuse_decide(fl, fuse_req_ctx(req)->pid, d, &op, v);
	if (*act == FUSE_ACT_DENY)
		fuse_reply_err(req, EACCES);
	return *act != FUSE_ACT_DENY;
}

void fuse_creds_caller(fuse_req_t req, struct fuse_creds *c)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);

	/* setfsuid/setfsgid are per thread (raw syscalls, no glibc broadcast). */
	c->changed = ctx->uid != geteuid() || ctx->gid != getegid();
	if (c->changed) {
		syscall(SYS_setfsgid, ctx->gid);
		syscall(SYS_setfsuid, ctx->uid);
	}
}

void fuse_creds_restore(struct fuse_creds *c)
{
	if (c->changed) {
		syscall(SYS_setfsuid, geteuid());
		syscall(SYS_setfsgid, getegid());
	}
}

void fuse_reply_node(fuse_req_t req, struct fuse_layer *fl, struct fuse_node *parent, int dirfd,
		     const char *name, struct fuse_file_info *created)
{
	struct fuse_entry_param e = { .attr_timeout = 0, .entry_timeout = 0 };
	struct fuse_node *n;
	int r;

	if (created ? fstat((int)created->fh, &e.attr) : fstatat(dirfd, name, &e.attr, AT_SYMLINK_NOFOLLOW))
		goto fail;
	n = fuse_node_get(&fl->nodes, parent, name, &e.attr);
	if (!n) {
		errno = ENOMEM;
		goto fail;
	}
	e.ino = fuse_node_ino(&fl->nodes, n);
	e.generation = n->generation;
	if (created) {
		fuse_node_opened(&fl->nodes, n, (int)created->fh);
		r = fuse_reply_create(req, &e, created);
	} else {
		r = fuse_reply_entry(req, &e);
	}
	if (r) { /* the request was interrupted: the kernel took no reference */
		if (created)
			fuse_node_closed(&fl->nodes, n);
		fuse_node_forget(&fl->nodes, n, 1);
	}
	return;
fail:
	r = errno;
	if (created)
		close((int)created->fh);
	fuse_reply_err(req, r);
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_layer *fl = fuse_fl(req);
	struct fuse_node *p = fuse_node_of(&fl->nodes, parent);
	struct fuse_loc l;
	int r = fuse_loc_child(fl, p, name, &l);

	if (r)
		fuse_reply_err(req, -r);
	else
		fuse_reply_node(req, fl, p, l.dirfd, l.name, NULL);
	fuse_loc_release(&l);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct fuse_layer *fl = fuse_fl(req);

	fuse_node_forget(&fl->nodes, fuse_node_of(&fl->nodes, ino), nlookup);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct fuse_layer *fl = fuse_fl(req);

	for (size_t i = 0; i < count; i++)
		fuse_node_forget(&fl->nodes, fuse_node_of(&fl->nodes, forgets[i].ino),
				 forgets[i].nlookup);
	fuse_reply_none(req);
}

/* The node's attributes: by path, or through an open handle once the path is gone. */
static int node_stat(struct fuse_layer *fl, struct fuse_node *n, struct stat *st)
{
	struct fuse_loc l;
	int r = fuse_loc_node(fl, n, &l), fd;

	if (!r && fstatat(l.dirfd, l.name, st, AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	fuse_loc_release(&l);
	if (r && (fd = fuse_node_anchor(&fl->nodes, n)) >= 0) {
		r = fstat(fd, st) < 0 ? -errno : 0;
		close(fd);
	}
	return r;
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse_layer *fl = fuse_fl(req);
	struct stat st;
	int r = fi ? (fstat((int)fi->fh, &st) < 0 ? -errno : 0)
		   : node_stat(fl, fuse_node_of(&fl->nodes, ino), &st);

	if (r)
		fuse_reply_err(req, -r);
	else
		fuse_reply_attr(req, &st, 0);
}

/* setattr without a handle: an O_PATH fd of the node itself, never a followed link. */
static int setattr_path(struct fuse_loc *l, struct stat *a, int set)
{
	char proc[64];
	struct stat st;
	int fd = openat(l->dirfd, l->name, O_PATH | O_NOFOLLOW | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (S_ISLNK(st.st_mode) && (set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_SIZE)))
		r = -EOPNOTSUPP;
	if (!r && (set & FUSE_SET_ATTR_MODE) && chmod(proc, a->st_mode & 07777) < 0)
		r = -errno;
	if (!r && (set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    fchownat(fd, "", set & FUSE_SET_ATTR_UID ? a->st_uid : (uid_t)-1,
		     set & FUSE_SET_ATTR_GID ? a->st_gid : (gid_t)-1,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0)
		r = -errno;
	if (!r && (set & FUSE_SET_ATTR_SIZE) && truncate(proc, a->st_size) < 0)
		r = -errno;
	close(fd);
	return r;
}

static int setattr_fd(int fd, struct stat *a, int set)
{
	if ((set & FUSE_SET_ATTR_MODE) && fchmod(fd, a->st_mode & 07777) < 0)
		return -errno;
	if ((set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)) &&
	    fchown(fd, set & FUSE_SET_ATTR_UID ? a->st_uid : (uid_t)-1,
		   set & FUSE_SET_ATTR_GID ? a->st_gid : (gid_t)-1) < 0)
		return -errno;
	if ((set & FUSE_SET_ATTR_SIZE) && ftruncate(fd, a->st_size) < 0)
		return -errno;
	return 0;
}

static int set_times(struct fuse_loc *l, int fd, struct stat *a, int set)
{
	struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };

	if (!(set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME)))
		return 0;
	if (set & FUSE_SET_ATTR_ATIME_NOW)
		ts[0].tv_nsec = UTIME_NOW;
	else if (set & FUSE_SET_ATTR_ATIME)
		ts[0] = a->st_atim;
	if (set & FUSE_SET_ATTR_MTIME_NOW)
		ts[1].tv_nsec = UTIME_NOW;
	else if (set & FUSE_SET_ATTR_MTIME)
		ts[1] = a->st_mtim;
	if (fd >= 0)
		return futimens(fd, ts) < 0 ? -errno : 0;
	return utimensat(l->dirfd, l->name, ts, AT_SYMLINK_NOFOLLOW) < 0 ? -errno : 0;
}

/* chmod, chown and truncate are decided (also through fchmod/fchown/ftruncate, which the
 * tracer does not see); times are not a policy operation. */
static bool setattr_allowed(fuse_req_t req, struct fuse_layer *fl, struct fuse_loc *l, int set)
{
	static const struct {
		int bits;
		struct fuse_opdesc d;
	} checks[] = {
		{ FUSE_SET_ATTR_MODE, { "fuse_setattr_mode", FOP_CHMOD, false, false } },
		{ FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID, { "fuse_setattr_owner", FOP_CHOWN, false, false } },
		{ FUSE_SET_ATTR_SIZE, { "fuse_setattr_size", FOP_WRITE, false, true } },
	};
	struct verdict v;
	enum fuse_act act;

	for (size_t i = 0; i < ARRAY_SIZE(checks); i++)
		if ((set & checks[i].bits) && !fuse_allowed(req, fl, &checks[i].d, l, &v, &act))
			return false;
	return true;
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int set,
		       struct fuse_file_info *fi)
{
	struct fuse_layer *fl = fuse_fl(req);
	struct fuse_node *n = fuse_node_of(&fl->nodes, ino);
	struct fuse_loc l;
	struct stat st;
	int r = fuse_loc_node(fl, n, &l);

	if (r) {
		fuse_reply_err(req, -r);
		return;
	}
	if (setattr_allowed(req, fl, &l, set)) {
		r = fi ? setattr_fd((int)fi->fh, attr, set) : setattr_path(&l, attr, set);
		if (!r)
			r = set_times(&l, fi ? (int)fi->fh : -1, attr, set);
		if (!r)
			r = fi ? (fstat((int)fi->fh, &st) < 0 ? -errno : 0) : node_stat(fl, n, &st);
		if (r)
			fuse_reply_err(req, -r);
		else
			fuse_reply_attr(req, &st, 0);
	}
	fuse_loc_release(&l);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse_layer *fl = fuse_fl(req);
	char buf[PATH_MAX + 1];
	struct fuse_loc l;
	int r = fuse_loc_node(fl, fuse_node_of(&fl->nodes, ino), &l);
	ssize_t n = r ? r : readlinkat(l.dirfd, l.name, buf, sizeof(buf) - 1);

	if (n < 0)
		fuse_reply_err(req, r ? -r : errno);
	else if (n >= (ssize_t)sizeof(buf) - 1)
		fuse_reply_err(req, ENAMETOOLONG);
	else
		buf[n] = 0, fuse_reply_readlink(req, buf);
	fuse_loc_release(&l);
}

/* mknod of a socket is a unix bind: decided as the tracer decides bind(). */
static bool mknod_allowed(fuse_req_t req, struct fuse_layer *fl, struct fuse_loc *l, mode_t mode)
{
	static const struct fuse_opdesc dnod = { "fuse_mknod", FOP_CREATE, false, false };
	struct verdict v;
	enum fuse_act act;
	struct op op;

	if (!S_ISSOCK(mode))
		return fuse_allowed(req, fl, &dnod, l, &v, &act);
	fuse_op_build(&op, &dnod, fl->workspace, l->rel, NULL);
	op.kind = OP_UNIX;
	op.net_op = "bind";
	act = fuse_decide(fl, fuse_req_ctx(req)->pid, &dnod, &op, &v);
	if (act == FUSE_ACT_DENY)
		fuse_reply_err(req, EACCES);
	return act != FUSE_ACT_DENY;
}

static void make_node(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      dev_t rdev, const char *link)
{
	static const struct fuse_opdesc dmkdir = { "fuse_mkdir", FOP_MKDIR, false, false },
					dsym = { "fuse_symlink", FOP_SYMLINK, false, false };
	struct fuse_layer *fl = fuse_fl(req);
	struct fuse_node *p = fuse_node_of(&fl->nodes, parent);
	struct fuse_creds c;
	struct fuse_loc l;
	struct verdict v;
	enum fuse_act act;
	int r = fuse_loc_child(fl, p, name, &l);
	bool ok;

	if (r) {
		fuse_reply_err(req, -r);
		return;
	}
	ok = link ? fuse_allowed(req, fl, &dsym, &l, &v, &act)
	     : S_ISDIR(mode) ? fuse_allowed(req, fl, &dmkdir, &l, &v, &act)
			     : mknod_allowed(req, fl, &l, mode);
	if (ok) {
		fuse_creds_caller(req, &c);
		r = link ? symlinkat(link, l.dirfd, l.name)
		    : S_ISDIR(mode) ? mkdirat(l.dirfd, l.name, mode)
				    : mknodat(l.dirfd, l.name, mode, rdev);
		r = r < 0 ? errno : 0;
		fuse_creds_restore(&c);
		if (r)
			fuse_reply_err(req, r);
		else
			fuse_reply_node(req, fl, p, l.dirfd, l.name, NULL);
	}
	fuse_loc_release(&l);
}

static void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	make_node(req, parent, name, mode, rdev, NULL);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	make_node(req, parent, name, mode | S_IFDIR, 0, NULL);
}

static void op_symlink(fuse_req_t req, const char *link, fuse_ino_t parent, const char *name)
{
	make_node(req, parent, name, S_IFLNK, 0, link);
}

/* Soft delete: the same trash and metadata as the tracer's (fs/trash.c). */
static int trash_move(fuse_req_t req, struct fuse_layer *fl, const struct fuse_loc *l)
{
	const struct enforce_opts *o = enforce_options(fl->enf);
	char path[PATH_MAX], id[64];

	snprintf(path, sizeof(path), "%s/%s", fl->workspace, l->rel);
	return fs_trash_move(fl->trash, path, fuse_req_ctx(req)->pid, o->session_id, id,
			     sizeof(id));
}

static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name, bool dir)
{
	static const struct fuse_opdesc dunlink = { "fuse_unlink", FOP_DELETE, false, false },
					drmdir = { "fuse_rmdir", FOP_RMDIR, false, false };
	struct fuse_layer *fl = fuse_fl(req);
	struct fuse_node *p = fuse_node_of(&fl->nodes, parent);
	struct fuse_loc l;
	struct verdict v;
	enum fuse_act act;
	int r = fuse_loc_child(fl, p, name, &l);

	if (r) {
		fuse_reply_err(req, -r);
		return;
	}
	if (fuse_allowed(req, fl, dir ? &drmdir : &dunlink, &l, &v, &act)) {
		if (act == FUSE_ACT_TRASH)
			r = trash_move(req, fl, &l);
		else
			r = unlinkat(l.dirfd, l.name, dir ? AT_REMOVEDIR : 0) < 0 ? -errno : 0;
		if (r == -EXDEV) { /* a deletion that cannot be trashed is refused, not done */
			log_warn("fuse: soft delete of %s/%s failed: denied", fl->workspace, l.rel);
			r = -EACCES;
		}
		if (!r)
			fuse_node_detach(&fl->nodes, p, name);
		fuse_reply_err(req, -r);
	}
	fuse_loc_release(&l);
}

static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, false);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, true);
}

/* Two-path ops (rename, link): decided like the tracer's decoders, p2 as a create. */
static bool two_allowed(fuse_req_t req, struct fuse_layer *fl, const struct fuse_opdesc *d,
			const struct fuse_loc *a, const struct fuse_loc *b)
{
	struct verdict v;
	struct op op;

	fuse_op_build(&op, d, fl->workspace, a->rel, b->rel);
	if (fuse_decide(fl, fuse_req_ctx(req)->pid, d, &op, &v) != FUSE_ACT_DENY)
		return true;
	fuse_reply_err(req, EACCES);
	return false;
}

static void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	static const struct fuse_opdesc d = { "fuse_rename", FOP_RENAME, false, false };
	struct fuse_layer *fl = fuse_fl(req);
	struct fuse_node *p = fuse_node_of(&fl->nodes, parent),
			 *np = fuse_node_of(&fl->nodes, newparent);
	struct fuse_loc a, b;
	int r = fuse_loc_child(fl, p, name, &a);

	b.own = false;
	if (!r)
		r = fuse_loc_child(fl, np, newname, &b);
	if (r) {
		fuse_reply_err(req, -r);
	} else if (two_allowed(req, fl, &d, &a, &b)) {
		r = syscall(SYS_renameat2, a.dirfd, a.name, b.dirfd, b.name, flags) < 0 ? errno : 0;
		if (!r)
			fuse_node_move(&fl->nodes, p, name, np, newname, flags & RENAME_EXCHANGE);
		fuse_reply_err(req, r);
	}
	fuse_loc_release(&a);
	fuse_loc_release(&b);
}

static void op_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	static const struct fuse_opdesc d = { "fuse_link", FOP_LINK, false, false };
	struct fuse_layer *fl = fuse_fl(req);
	struct fuse_node *n = fuse_node_of(&fl->nodes, ino),
			 *np = fuse_node_of(&fl->nodes, newparent);
	struct fuse_loc a, b;
	int r = fuse_loc_node(fl, n, &a), fd = -1;

	b.own = false;
	/* A nameless file (O_TMPFILE, or unlinked while open) is linked through its fd; the
	 * link is decided on the name it gets, as the tracer decides linkat's target. */
	if (r == -ENOENT && (fd = fuse_node_anchor(&fl->nodes, n)) >= 0)
		r = 0, a.own = false, a.rel[0] = 0;
	if (!r)
		r = fuse_loc_child(fl, np, newname, &b);
	if (!r && fd >= 0)
		memcpy(a.rel, b.rel, sizeof(a.rel));
	if (r) {
		fuse_reply_err(req, -r);
	} else if (two_allowed(req, fl, &d, &a, &b)) {
		if (fd >= 0 ? linkat(fd, "", b.dirfd, b.name, AT_EMPTY_PATH) < 0
			    : linkat(a.dirfd, a.name, b.dirfd, b.name, 0) < 0)
			fuse_reply_err(req, errno);
		else
			fuse_reply_node(req, fl, np, b.dirfd, b.name, NULL);
	}
	safe_close(fd);
	fuse_loc_release(&a);
	fuse_loc_release(&b);
}

static void op_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs s;

	if (fstatvfs(fuse_fl(req)->root_fd, &s) < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_statfs(req, &s);
}

void fuse_layer_ops_names(struct fuse_lowlevel_ops *ops)
{
	ops->lookup = op_lookup;
	ops->forget = op_forget;
	ops->forget_multi = op_forget_multi;
	ops->getattr = op_getattr;
	ops->setattr = op_setattr;
	ops->readlink = op_readlink;
	ops->mknod = op_mknod;
	ops->mkdir = op_mkdir;
	ops->symlink = op_symlink;
	ops->unlink = op_unlink;
	ops->rmdir = op_rmdir;
	ops->rename = op_rename;
	ops->link = op_link;
	ops->statfs = op_statfs;
}
#endif /* AGENTSH_HAVE_FUSE3 */
