/*
 * seccomp user-notify backend: the child installs a filter that turns opens
 * into notifications; the tracer process receives them on the listener
 * (taken from the child with pidfd_getfd), decodes them with the same
 * decoders, decides with enforce_decide and answers with one round trip.
 * Allowed opens are emulated: we open the canonical path ourselves
 * (RESOLVE_NO_SYMLINKS in the tracee's root) and install the fd with
 * SECCOMP_IOCTL_NOTIF_ADDFD, so the file opened is the file decided.
 */
#ifndef AGENTSH_ENFORCE_NOTIFY_H
#define AGENTSH_ENFORCE_NOTIFY_H

#include "enforce/creds.h"

#include <linux/filter.h>
#include <stdbool.h>
#include <sys/types.h>

struct enforce;
struct tracer;

struct notify {
	struct sock_fprog prog; /* built in the parent, loaded by the child */
	int to_parent[2];       /* child -> parent: the listener's fd number */
	int to_child[2];        /* parent -> child: taken, go on */
	int listener;           /* in the tracer process, -1 until taken */
	struct enforce *enf;
	struct tracer *t;
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	struct op *op; /* decoded request (zeroed once; op_reset between uses) */
	struct creds_self self; /* the tracer thread's (FUSE's thread has its own umask) */
	unsigned long handled, emulated, continued;
};

/* Parent, before the spawn; static_read: read-only open/openat are not
 * notified (tracer_opts.static_read_open). 0 or -errno. */
int notify_prepare(struct notify *n, struct enforce *enf, bool static_read);
/* Parent, after tracer_new: polls the handshake pipe, then the listener. */
int notify_attach(struct notify *n, struct tracer *t);
/* Child (async-signal-safe): installs the filter and hands the listener over. */
int notify_child(struct notify *n);
void notify_free(struct notify *n);

/* enforce/notify_open.c: answers one open notification (emulated or continued). */
void notify_answer_open(struct notify *n);

#endif /* !AGENTSH_ENFORCE_NOTIFY_H */
