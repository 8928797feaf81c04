/*
 * FUSE_TMPFILE: open(dir, O_TMPFILE) in the workspace. The kernel has sent it since 6.1 but
 * libfuse 3.14 does not dispatch it (it would answer ENOSYS and every O_TMPFILE in the
 * workspace would fail with EOPNOTSUPP), so the raw request is answered here: decided as
 * the tracer decides the open (create+write on the directory), a nameless node holding the
 * real O_TMPFILE fd, and the reply written to the device as CREATE's is.
 */
#include "compat.h"
#ifdef AGENTSH_HAVE_FUSE3
#include "enforce/fuse_int.h"

#include <fcntl.h>
#include <linux/fuse.h>
#include <sys/syscall.h>
#include <sys/uio.h>

static void reply(struct fuse_layer *fl, uint64_t unique, int err, const void *body, size_t len)
{
	struct fuse_out_header h = { .len = (uint32_t)(sizeof(h) + (err ? 0 : len)),
				     .error = -err,
				     .unique = unique };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)body, len } };

	if (writev(fl->dev_fd, iov, err ? 1 : 2) < 0)
		return; /* the request was interrupted or the connection is gone */
}

static void attr_of(struct fuse_attr *a, const struct stat *st)
{
	*a = (struct fuse_attr){ .ino = st->st_ino,
				 .size = (uint64_t)st->st_size,
				 .blocks = (uint64_t)st->st_blocks,
				 .atime = (uint64_t)st->st_atim.tv_sec,
				 .mtime = (uint64_t)st->st_mtim.tv_sec,
				 .ctime = (uint64_t)st->st_ctim.tv_sec,
				 .atimensec = (uint32_t)st->st_atim.tv_nsec,
				 .mtimensec = (uint32_t)st->st_mtim.tv_nsec,
				 .ctimensec = (uint32_t)st->st_ctim.tv_nsec,
				 .mode = st->st_mode,
				 .nlink = (uint32_t)st->st_nlink,
				 .uid = st->st_uid,
				 .gid = st->st_gid,
				 .rdev = (uint32_t)st->st_rdev,
				 .blksize = (uint32_t)st->st_blksize };
}

/* The real O_TMPFILE open in the directory l names, as the caller. */
static int open_tmpfile(const struct fuse_in_header *in, const struct fuse_create_in *ci,
			const struct fuse_loc *l)
{
	bool as_caller = in->uid != geteuid() || in->gid != getegid();
	int fd;

	if (as_caller) {
		syscall(SYS_setfsgid, in->gid);
		syscall(SYS_setfsuid, in->uid);
	}
	fd = openat(l->dirfd, l->name, O_TMPFILE | (int)(ci->flags & O_ACCMODE) | O_CLOEXEC,
		    ci->mode & 07777);
	fd = fd < 0 ? -errno : fd;
	if (as_caller) {
		syscall(SYS_setfsuid, geteuid());
		syscall(SYS_setfsgid, getegid());
	}
	return fd;
}

static int tmpfile_open(struct fuse_layer *fl, const struct fuse_in_header *in,
			const struct fuse_create_in *ci, struct fuse_node **out)
{
	static const struct fuse_opdesc d = { "fuse_tmpfile", FOP_OPEN | FOP_CREATE | FOP_WRITE,
					      false, false };
	struct fuse_loc l;
	struct verdict v;
	struct stat st;
	struct op op;
	int r = fuse_loc_node(fl, fuse_node_of(&fl->nodes, in->nodeid), &l), fd = -EACCES;

	if (r)
		return r;
	fuse_op_build(&op, &d, fl->workspace, l.rel, NULL);
	if (fuse_decide(fl, (pid_t)in->pid, &d, &op, &v) != FUSE_ACT_DENY)
		fd = open_tmpfile(in, ci, &l);
	fuse_loc_release(&l);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0 || !(*out = fuse_node_orphan(&fl->nodes, &st))) {
		close(fd);
		return -ENOMEM;
	}
	fuse_node_opened(&fl->nodes, *out, fd);
	return fd;
}

bool fuse_tmpfile_take(struct fuse_layer *fl, const void *buf, size_t len)
{
	const struct fuse_in_header *in = buf;
	const struct fuse_create_in *ci = (const void *)(in + 1);
	struct {
		struct fuse_entry_out e;
		struct fuse_open_out o;
	} out;
	struct fuse_node *n = NULL;
	struct stat st;
	int fd;

	if (len < sizeof(*in) || in->opcode != FUSE_TMPFILE)
		return false;
	if (len < sizeof(*in) + sizeof(*ci)) {
		reply(fl, in->unique, EINVAL, NULL, 0);
		return true;
	}
	fd = tmpfile_open(fl, in, ci, &n);
	if (fd < 0 || fstat(fd, &st) < 0) {
		reply(fl, in->unique, fd < 0 ? -fd : errno, NULL, 0);
		return true;
	}
	memset(&out, 0, sizeof(out));
	out.e.nodeid = fuse_node_ino(&fl->nodes, n);
	out.e.generation = n->generation;
	attr_of(&out.e.attr, &st);
	out.o.fh = (uint64_t)fd;
	reply(fl, in->unique, 0, &out, sizeof(out));
	return true;
}
#endif /* AGENTSH_HAVE_FUSE3 */
