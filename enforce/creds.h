/*
 * Acting with a tracee's file-system rights (enforce/creds.c): read them
 * from /proc, compare them with ours, take them for one operation.
 */
#ifndef AGENTSH_ENFORCE_CREDS_H
#define AGENTSH_ENFORCE_CREDS_H

#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CREDS_MAX_GROUPS 64

/* What decides a task's access to files. */
struct task_creds {
	bool known; /* every field read (at most CREDS_MAX_GROUPS groups) */
	uid_t fsuid;
	gid_t fsgid;
	uint64_t capeff;
	dev_t userns_dev;
	ino_t userns_ino;
	int ngroups;
	gid_t groups[CREDS_MAX_GROUPS];
};

/* The fields of /proc/TID/status the tracer acts on. */
struct task_status {
	pid_t tgid, ppid; /* 0 when absent */
	unsigned umask;
	struct task_creds cr;
};

/* Ours, read once by the thread that will take the others'. */
struct creds_self {
	struct task_creds cr;
	unsigned umask;
	struct __user_cap_data_struct caps[2];
};

/* proc_dir: "/proc/TID" or "/proc/thread-self". 0 (s->cr.known false when
 * the credentials could not all be read) or -errno. */
int task_status_read(const char *proc_dir, struct task_status *s);
bool task_creds_equal(const struct task_creds *a, const struct task_creds *b);
int creds_self_read(struct creds_self *self);
bool creds_same_userns(const struct creds_self *self, const struct task_creds *cr);
/* This thread takes cr's file-system rights (0) or keeps ours (-errno:
 * another user namespace, or refused); leave gives ours back (aborts if it
 * cannot: going on with a caller's rights is not an option). */
int creds_enter(const struct creds_self *self, const struct task_creds *cr);
void creds_leave(const struct creds_self *self);
/* Whether cr could unlink or rmdir path itself: 0, or the -errno the
 * kernel would give (EACCES: no write+search on the parent, EPERM: sticky). */
int creds_may_delete(const struct creds_self *self, const struct task_creds *cr, const char *path);

#endif /* !AGENTSH_ENFORCE_CREDS_H */
