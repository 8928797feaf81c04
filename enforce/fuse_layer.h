/*
 * The FUSE workspace layer: the workspace is mounted through agentsh (libfuse3 low-level
 * API) in the command's own mount namespace, and every file operation that reaches it is
 * decided again with the session's policy. The tracer still decides first; what reaches
 * this layer with a deny bypassed the tracer (an untraced process in the namespace, an fd
 * route the tracer does not see) and is refused here, with an event ("source":"fuse").
 */
#ifndef AGENTSH_ENFORCE_FUSE_LAYER_H
#define AGENTSH_ENFORCE_FUSE_LAYER_H

#include <stdbool.h>

struct enforce;
struct fuse_layer;

/* sandbox.fuse.audit.mode: what happens to destructive ops the policy allows. */
enum fuse_audit_mode {
	FUSE_AUDIT_MONITOR,     /* nothing more: the tracer records every op */
	FUSE_AUDIT_SOFT_BLOCK,  /* deletes, rmdirs, renames and truncations are refused */
	FUSE_AUDIT_SOFT_DELETE, /* deletes and rmdirs go to the trash */
	FUSE_AUDIT_STRICT,      /* monitor; an event that cannot be written fails the op */
};

struct fuse_layer_opts {
	const char *workspace;  /* canonical absolute directory (the plan's) */
	long max_background;    /* sandbox.fuse.max_background, 0 = libfuse's default */
	bool audit;             /* sandbox.fuse.audit.enabled */
	enum fuse_audit_mode audit_mode;
	int threads;            /* serving threads, 0 = default */
};

/* Whether this build has libfuse3. */
bool fuse_layer_built(void);
/* "monitor" ... -> mode; -EINVAL for anything else. */
int fuse_audit_mode_parse(const char *s, enum fuse_audit_mode *out);

/* In the parent, before fork: opens /dev/fuse and the workspace, creates the session and
 * starts the serving threads (they wait for the child's mount). 0 or -errno. */
int fuse_layer_start(const struct fuse_layer_opts *o, struct enforce *enf, struct fuse_layer **out);
/* In the traced child before Landlock, the prefilter and exec: a private mount namespace
 * with the workspace mounted through the layer, the cwd re-entered. No allocation. */
int fuse_layer_child(struct fuse_layer *fl);
/* Ops the layer refused, trashed or redirected itself. */
unsigned long fuse_layer_events(const struct fuse_layer *fl);
/* Stops the threads, closes the device (the kernel aborts the connection). NULL ok. */
void fuse_layer_stop(struct fuse_layer *fl);

#endif /* !AGENTSH_ENFORCE_FUSE_LAYER_H */
