/*
 * The FUSE layer's handle operations: open/create (decided with the open flags, as the
 * tracer's open decoder names them), data, directories, and the connection's setup.
 */
#include "compat.h"
#ifdef AGENTSH_HAVE_FUSE3
#include "enforce/fuse_int.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/syscall.h>

/* The kernel's exec open (do_open_execat) carries __FMODE_EXEC in the FUSE open flags. */
#define FUSE_FMODE_EXEC 040

/* Flags for the real open: no create, no final symlink, no O_DIRECT buffers. */
static int real_flags(int flags)
{
	return (flags & ~(O_CREAT | O_EXCL | O_NOCTTY | O_DIRECT | FUSE_FMODE_EXEC)) | O_NOFOLLOW |
	       O_CLOEXEC;
}

/* A redirected open: the target, as the tracer would have opened it (no symlinks). */
static int open_redirect(const struct verdict *v, int flags)
{
	struct open_how how = { .flags = (uint64_t)real_flags(flags),
				.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, AT_FDCWD, v->redirect_path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse_layer *fl = fuse_fl(req);
	struct fuse_node *n = fuse_node_of(&fl->nodes, ino);
	struct fuse_opdesc d = { .name = "fuse_open",
				 .ops = syscalls_open_flags_to_ops(fi->flags & ~FUSE_FMODE_EXEC),
				 .can_redirect = true,
				 .truncates = fi->flags & O_TRUNC };
	enum fuse_act act = FUSE_ACT_ALLOW;
	struct fuse_loc l;
	struct verdict v;
	int r = fuse_loc_node(fl, n, &l), fd;

	if (r) {
		fuse_reply_err(req, -r);
		return;
	}
	/* An exec's open is decided by command_rules at execve, which is always traced. */
	if (!(fi->flags & FUSE_FMODE_EXEC) && !fuse_allowed(req, fl, &d, &l, &v, &act))
		goto out;
	if (act == FUSE_ACT_REDIRECT) {
		fd = open_redirect(&v, fi->flags);
		fi->direct_io = 1; /* the kernel's size of this inode is not the target's */
	} else {
		fd = openat(l.dirfd, l.name, real_flags(fi->flags));
		fd = fd < 0 ? -errno : fd;
	}
	if (fd < 0) {
		fuse_reply_err(req, -fd);
		goto out;
	}
	fi->fh = (uint64_t)fd;
	fi->keep_cache = 0;
	fuse_node_opened(&fl->nodes, n, fd);
	if (fuse_reply_open(req, fi)) {
		fuse_node_closed(&fl->nodes, n);
		close(fd);
	}
out:
	fuse_loc_release(&l);
}

static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse_layer *fl = fuse_fl(req);
	struct fuse_node *p = fuse_node_of(&fl->nodes, parent);
	struct fuse_opdesc d = { .name = "fuse_create",
				 .ops = syscalls_open_flags_to_ops(fi->flags | O_CREAT) };
	struct fuse_creds c;
	enum fuse_act act;
	struct fuse_loc l;
	struct verdict v;
	int r = fuse_loc_child(fl, p, name, &l), fd;

	if (r) {
		fuse_reply_err(req, -r);
		return;
	}
	if (fuse_allowed(req, fl, &d, &l, &v, &act)) {
		fuse_creds_caller(req, &c);
		fd = openat(l.dirfd, l.name, real_flags(fi->flags) | O_CREAT | (fi->flags & O_EXCL),
			    mode);
		r = fd < 0 ? errno : 0;
		fuse_creds_restore(&c);
		if (r) {
			fuse_reply_err(req, r);
		} else {
			fi->fh = (uint64_t)fd;
			fuse_reply_node(req, fl, p, l.dirfd, l.name, fi);
		}
	}
	fuse_loc_release(&l);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_bufvec buf = FUSE_BUFVEC_INIT(size);

	buf.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	buf.buf[0].fd = (int)fi->fh;
	buf.buf[0].pos = off;
	fuse_reply_data(req, &buf, FUSE_BUF_SPLICE_MOVE);
}

static void op_write_buf(fuse_req_t req, fuse_ino_t ino, struct fuse_bufvec *in, off_t off,
			 struct fuse_file_info *fi)
{
	struct fuse_bufvec out = FUSE_BUFVEC_INIT(fuse_buf_size(in));
	ssize_t n;

	out.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK;
	out.buf[0].fd = (int)fi->fh;
	out.buf[0].pos = off;
	n = fuse_buf_copy(&out, in, 0);
	if (n < 0)
		fuse_reply_err(req, (int)-n);
	else
		fuse_reply_write(req, (size_t)n);
}

static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	fuse_reply_err(req, 0); /* locks are the kernel's own on this mount */
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse_layer *fl = fuse_fl(req);

	fuse_node_closed(&fl->nodes, fuse_node_of(&fl->nodes, ino));
	close((int)fi->fh);
	fuse_reply_err(req, 0);
}

static void op_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	int r = datasync ? fdatasync((int)fi->fh) : fsync((int)fi->fh);

	fuse_reply_err(req, r < 0 ? errno : 0);
}

static void op_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
			 struct fuse_file_info *fi)
{
	fuse_reply_err(req, fallocate((int)fi->fh, mode, off, len) < 0 ? errno : 0);
}

struct dirh {
	DIR *dp;
	off_t off;
	struct dirent *entry;
};

/* Listing a directory is an open of it for reading, as the tracer decides it. */
static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	static const struct fuse_opdesc d = { "fuse_opendir", FOP_OPEN | FOP_READ, false, false };
	struct fuse_layer *fl = fuse_fl(req);
	struct dirh *h = calloc(1, sizeof(*h));
	enum fuse_act act;
	struct fuse_loc l;
	struct verdict v;
	int r = fuse_loc_node(fl, fuse_node_of(&fl->nodes, ino), &l), fd = -1;

	if (!h || r) {
		fuse_reply_err(req, h ? -r : ENOMEM);
		goto out;
	}
	if (!fuse_allowed(req, fl, &d, &l, &v, &act))
		goto out;
	fd = openat(l.dirfd, l.name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(h->dp = fdopendir(fd))) {
		fuse_reply_err(req, errno);
		safe_close(fd);
		goto out;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	if (fuse_reply_open(req, fi))
		closedir(h->dp);
	else
		h = NULL;
out:
	free(h);
	fuse_loc_release(&l);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct dirh *h = (struct dirh *)(uintptr_t)fi->fh;
	char *buf = calloc(1, size), *p = buf;
	size_t rem = size;

	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (off != h->off) {
		seekdir(h->dp, off);
		h->entry = NULL;
		h->off = off;
	}
	for (;;) {
		struct stat st = { 0 };
		size_t n;

		if (!h->entry) {
			errno = 0;
			if (!(h->entry = readdir(h->dp))) {
				if (errno && p == buf) {
					fuse_reply_err(req, errno);
					free(buf);
					return;
				}
				break;
			}
		}
		st.st_ino = h->entry->d_ino;
		st.st_mode = (mode_t)h->entry->d_type << 12;
		n = fuse_add_direntry(req, p, rem, h->entry->d_name, &st, h->entry->d_off);
		if (n > rem)
			break;
		p += n;
		rem -= n;
		h->off = h->entry->d_off;
		h->entry = NULL;
	}
	fuse_reply_buf(req, buf, size - rem);
	free(buf);
}

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dirh *h = (struct dirh *)(uintptr_t)fi->fh;

	closedir(h->dp);
	free(h);
	fuse_reply_err(req, 0);
}

static void op_fsyncdir(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct dirh *h = (struct dirh *)(uintptr_t)fi->fh;
	int fd = dirfd(h->dp);

	fuse_reply_err(req, (datasync ? fdatasync(fd) : fsync(fd)) < 0 ? errno : 0);
}

/* No write-back cache (the tracer changes the real tree behind the layer), O_TRUNC in the
 * open (decided there), plain readdir. */
static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	struct fuse_layer *fl = userdata;

	conn->want &= ~(FUSE_CAP_WRITEBACK_CACHE | FUSE_CAP_READDIRPLUS |
			FUSE_CAP_READDIRPLUS_AUTO | FUSE_CAP_SPLICE_READ);
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	if (fl->o.max_background > 0 && fl->o.max_background < 65536)
		conn->max_background = (unsigned)fl->o.max_background;
}

void fuse_layer_ops_io(struct fuse_lowlevel_ops *ops)
{
	ops->init = op_init;
	ops->open = op_open;
	ops->create = op_create;
	ops->read = op_read;
	ops->write_buf = op_write_buf;
	ops->flush = op_flush;
	ops->release = op_release;
	ops->fsync = op_fsync;
	ops->fallocate = op_fallocate;
	ops->opendir = op_opendir;
	ops->readdir = op_readdir;
	ops->releasedir = op_releasedir;
	ops->fsyncdir = op_fsyncdir;
}
#endif /* AGENTSH_HAVE_FUSE3 */
