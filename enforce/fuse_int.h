/* The FUSE workspace layer's internals: the node table, the layer, the decision step. */
#ifndef AGENTSH_ENFORCE_FUSE_INT_H
#define AGENTSH_ENFORCE_FUSE_INT_H

#define FUSE_USE_VERSION 35

#include <fuse_lowlevel.h>
#include <limits.h>
#include <pthread.h>
#include <sys/stat.h>

#include "enforce/fuse_layer.h"
#include "policy/policy.h"
#include "syscalls/op.h"

/*
 * One node per name, not per inode: a node is (parent, name), so every op names exactly the
 * path the caller used, as the tracer's canonical path does (two hard links are two nodes).
 * The node id given to the kernel is the node's address; the root is FUSE_ROOT_ID.
 */
struct fuse_node {
	struct fuse_node *parent; /* NULL: the root, or detached (unlinked / replaced) */
	char *name;
	struct fuse_node *hnext;
	uint64_t nlookup;   /* the kernel's references */
	unsigned long kids; /* attached children: they keep their parent alive */
	unsigned long nopen;
	int anchor;         /* a dup of an open handle: fstat after unlink */
	dev_t dev;
	ino_t ino;
	uint64_t generation;
};

struct fuse_nodes {
	pthread_mutex_t lock;
	struct fuse_node root;
	struct fuse_node **buckets;
	size_t nbuckets, count;
	uint64_t next_generation;
};

int fuse_nodes_init(struct fuse_nodes *t, const struct stat *root);
void fuse_nodes_release(struct fuse_nodes *t);
struct fuse_node *fuse_node_of(struct fuse_nodes *t, fuse_ino_t ino);
fuse_ino_t fuse_node_ino(struct fuse_nodes *t, struct fuse_node *n);
/* The node's path relative to the root ("" for the root); -ENOENT when detached. */
int fuse_node_path(struct fuse_nodes *t, struct fuse_node *n, char *out, size_t cap);
/* Finds or makes the node for parent/name whose file is st; takes one lookup reference. */
struct fuse_node *fuse_node_get(struct fuse_nodes *t, struct fuse_node *parent, const char *name,
				const struct stat *st);
void fuse_node_forget(struct fuse_nodes *t, struct fuse_node *n, uint64_t nlookup);
/* parent/name is gone (unlinked, trashed): its node no longer has a path. */
void fuse_node_detach(struct fuse_nodes *t, struct fuse_node *parent, const char *name);
/* A rename through the layer (exchange swaps the two names). */
void fuse_node_move(struct fuse_nodes *t, struct fuse_node *p, const char *name,
		    struct fuse_node *np, const char *newname, bool exchange);
/* A node with no name (an O_TMPFILE file), one lookup reference. */
struct fuse_node *fuse_node_orphan(struct fuse_nodes *t, const struct stat *st);
void fuse_node_opened(struct fuse_nodes *t, struct fuse_node *n, int fd);
void fuse_node_closed(struct fuse_nodes *t, struct fuse_node *n);
/* An fd of the node's file while it is open anywhere (a dup; caller closes), or -1. */
int fuse_node_anchor(struct fuse_nodes *t, struct fuse_node *n);

struct enforce;

struct fuse_layer {
	struct fuse_layer_opts o;
	struct enforce *enf;
	char workspace[PATH_MAX];
	char trash[PATH_MAX];
	struct fuse_session *se;
	int dev_fd;     /* /dev/fuse, owned by the session */
	int root_fd;    /* O_PATH of the real workspace directory */
	int mounted[2]; /* the child writes one byte once the mount is made */
	int stop_fd;    /* eventfd: the threads leave */
	pthread_t thr[8];
	int nthr;
	struct fuse_nodes nodes;
	/* prepared for the child, which must not allocate */
	char mount_opts[256];
	char cwd[PATH_MAX];
	bool rechdir;
	unsigned long events;
};

/* What the layer does with a decided op. */
enum fuse_act {
	FUSE_ACT_ALLOW,
	FUSE_ACT_DENY,
	FUSE_ACT_TRASH,    /* soft delete: move into the trash, report success */
	FUSE_ACT_REDIRECT, /* open the verdict's redirect_path instead */
};

/* What a FUSE request means, as the tracer's decoders name it. */
struct fuse_opdesc {
	const char *name;  /* "fuse_unlink" ... (the event's syscall field) */
	unsigned ops;      /* FOP_* */
	bool can_redirect; /* an open of an existing file: the layer can open the target */
	bool truncates;    /* O_TRUNC or a size change (audit.mode soft_block) */
};

/* Pure: the op for a request on workspace-relative paths (rel2 NULL for one path). */
void fuse_op_build(struct op *op, const struct fuse_opdesc *d, const char *ws, const char *rel1,
		   const char *rel2);
/* Pure: verdict + request -> action; *v is adjusted to what the layer does (rule, effective). */
enum fuse_act fuse_act_of(struct verdict *v, const struct fuse_opdesc *d, bool audit,
			  enum fuse_audit_mode mode, bool in_trash);
/* Decides op for the caller of req; records an event when the layer acts on its own. */
enum fuse_act fuse_decide(struct fuse_layer *fl, pid_t pid, const struct fuse_opdesc *d,
			  struct op *op, struct verdict *v);
/* FUSE_TMPFILE (kernel >= 6.1, not dispatched by libfuse 3.14): answered from the raw
 * request. true when buf was one (it is then answered). enforce/fuse_tmpfile.c */
bool fuse_tmpfile_take(struct fuse_layer *fl, const void *buf, size_t len);

/* syscalls/decode_file.c (compat.md §1): open flags -> FOP_* bits. */
unsigned syscalls_open_flags_to_ops(int flags);

/* Where a node lives in the real workspace: a directory fd (beneath the root, no symlink on
 * the way) and the node's name in it ("." for the root itself). enforce/fuse_ops.c */
struct fuse_loc {
	int dirfd;
	bool own;
	const char *name;
	char rel[PATH_MAX];  /* workspace-relative path of the node */
	char prel[PATH_MAX]; /* of its directory */
};
int fuse_loc_node(struct fuse_layer *fl, struct fuse_node *n, struct fuse_loc *l);
int fuse_loc_child(struct fuse_layer *fl, struct fuse_node *parent, const char *name,
		   struct fuse_loc *l);
void fuse_loc_release(struct fuse_loc *l);
struct fuse_layer *fuse_fl(fuse_req_t req);
/* Decides one-path op d on l; replies the error itself and returns false when refused. */
bool fuse_allowed(fuse_req_t req, struct fuse_layer *fl, const struct fuse_opdesc *d,
		  const struct fuse_loc *l, struct verdict *v, enum fuse_act *act);
/* Replies an entry for dirfd/name under parent (a lookup reference taken). */
void fuse_reply_node(fuse_req_t req, struct fuse_layer *fl, struct fuse_node *parent, int dirfd,
		     const char *name, struct fuse_file_info *created);
/* fsuid/fsgid of the caller for a create, restored by fuse_creds_restore. */
struct fuse_creds {
	bool changed;
};
void fuse_creds_caller(fuse_req_t req, struct fuse_creds *c);
void fuse_creds_restore(struct fuse_creds *c);

/* enforce/fuse_ops.c (names) and enforce/fuse_io.c (handles, init): one table. */
void fuse_layer_ops_names(struct fuse_lowlevel_ops *ops);
void fuse_layer_ops_io(struct fuse_lowlevel_ops *ops);

#endif /* !AGENTSH_ENFORCE_FUSE_INT_H */
