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

#include <linux/capability.h>
#include <linux/filter.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define NOTIFY_MAX_GROUPS 64

/* What decides a task's access to files (enforce/notify_creds.c). */
struct notify_creds {
	bool known; /* every field read */
	uid_t fsuid;
	gid_t fsgid;
	uint64_t capeff;
	dev_t userns_dev;
	ino_t userns_ino;
	int ngroups;
	gid_t groups[NOTIFY_MAX_GROUPS];
};

/* The fields of /proc/TID/status an emulated open needs. */
struct notify_status {
	pid_t tgid, ppid; /* 0 when absent */
	unsigned umask;
	struct notify_creds cr;
};

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
	unsigned own_umask; /* the tracer thread's (FUSE's thread has its own) */
	struct notify_creds own;
	struct __user_cap_data_struct own_caps[2];
	unsigned long handled, emulated, continued;
};

/* Parent, before the spawn. 0 or -errno. */
int notify_prepare(struct notify *n, struct enforce *enf);
/* Parent, after tracer_new: polls the handshake pipe, then the listener. */
int notify_attach(struct notify *n, struct tracer *t);
/* Child (async-signal-safe): installs the filter and hands the listener over. */
int notify_child(struct notify *n);
void notify_free(struct notify *n);

/* enforce/notify_creds.c. proc_dir: "/proc/TID" or "/proc/thread-self".
 * 0 (s->cr.known false when the credentials could not all be read) or -errno. */
int notify_status_read(const char *proc_dir, struct notify_status *s);
bool notify_creds_equal(const struct notify_creds *a, const struct notify_creds *b);
/* Our own credentials and umask, once, before the first open. */
int notify_creds_self(struct notify *n);
/* This thread takes cr's file-system rights (0) or keeps ours (-errno);
 * leave gives ours back (aborts if it cannot). */
int notify_creds_enter(struct notify *n, const struct notify_creds *cr);
void notify_creds_leave(struct notify *n);

/* enforce/notify_open.c: answers one open notification (emulated or continued). */
void notify_answer_open(struct notify *n);

#endif /* !AGENTSH_ENFORCE_NOTIFY_H */
