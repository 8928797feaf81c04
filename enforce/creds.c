/*
 * Acting with a tracee's rights. Where the tracer does a file operation for
 * a tracee (seccomp-notify opens the file and hands the fd over, soft_delete
 * moves the file into the trash) it must not lend it the tracer's rights: a
 * tracee that dropped root (setpriv, su, os.setuid) must not read
 * /etc/shadow or delete root's files through us, and what it creates must
 * be its own. Its credentials are read from /proc/TID/status (fsuid, fsgid,
 * supplementary groups, effective capabilities) and its user namespace from
 * /proc/TID/ns/user. When they equal ours the operation is made as is;
 * otherwise this thread takes them for it (setgroups, setfsgid, setfsuid and
 * capset are per thread as raw syscalls) and gives them back. Credentials of
 * another user namespace cannot be taken (capabilities mean something else
 * there).
 */
#include "compat.h"
#include "enforce/creds.h"
#include "log.h"
#include "procstat.h"

#include <fcntl.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* One read of the status file; the Groups line of a long list may be cut:
 * then the credentials are incomplete and not used. */
static const char *field(const char *buf, const char *key)
{
	const char *v = strstr(buf, key);

	return v ? v + strlen(key) : NULL;
}

static int parse_groups(const char *v, struct task_creds *cr)
{
	cr->ngroups = 0;
	while (*v == ' ' || *v == '\t')
		v++;
	while (*v && *v != '\n') {
		char *end;
		unsigned long g = strtoul(v, &end, 10);

		if (end == v || cr->ngroups >= CREDS_MAX_GROUPS)
			return -E2BIG;
		cr->groups[cr->ngroups++] = (gid_t)g;
		v = end;
		while (*v == ' ' || *v == '\t')
			v++;
	}
	return *v == '\n' ? 0 : -EIO;
}

static int read_userns(const char *proc_dir, struct task_creds *cr)
{
	char p[64];
	struct stat st;

	snprintf(p, sizeof(p), "%s/ns/user", proc_dir);
	if (stat(p, &st) < 0)
		return -errno;
	cr->userns_dev = st.st_dev;
	cr->userns_ino = st.st_ino;
	return 0;
}

int task_status_read(const char *proc_dir, struct task_status *s)
{
	char p[64], buf[4096];
	const char *v;
	unsigned u[4];
	ssize_t len;

	memset(s, 0, sizeof(*s));
	s->umask = 022;
	snprintf(p, sizeof(p), "%s/status", proc_dir);
	if ((len = proc_read(p, buf, sizeof(buf))) < 0)
		return (int)len;
	/* The name is escaped in this file: every field is one line. */
	if ((v = field(buf, "\nUmask:")))
		s->umask = (unsigned)strtoul(v, NULL, 8);
	if ((v = field(buf, "\nTgid:")))
		s->tgid = (pid_t)strtol(v, NULL, 10);
	if ((v = field(buf, "\nPPid:")))
		s->ppid = (pid_t)strtol(v, NULL, 10);
	if (!(v = field(buf, "\nUid:")) || sscanf(v, "%u %u %u %u", &u[0], &u[1], &u[2], &u[3]) != 4)
		return 0;
	s->cr.fsuid = u[3];
	if (!(v = field(buf, "\nGid:")) || sscanf(v, "%u %u %u %u", &u[0], &u[1], &u[2], &u[3]) != 4)
		return 0;
	s->cr.fsgid = u[3];
	if (!(v = field(buf, "\nGroups:")) || parse_groups(v, &s->cr) < 0)
		return 0;
	if (!(v = field(buf, "\nCapEff:")) || sscanf(v, "%" SCNx64, &s->cr.capeff) != 1)
		return 0;
	s->cr.known = read_userns(proc_dir, &s->cr) == 0;
	return 0;
}

bool task_creds_equal(const struct task_creds *a, const struct task_creds *b)
{
	return a->known && b->known && a->fsuid == b->fsuid && a->fsgid == b->fsgid &&
	       a->capeff == b->capeff && a->userns_dev == b->userns_dev &&
	       a->userns_ino == b->userns_ino && a->ngroups == b->ngroups &&
	       memcmp(a->groups, b->groups, sizeof(gid_t) * (size_t)a->ngroups) == 0;
}

static int set_caps(uint64_t eff, const struct __user_cap_data_struct self[2])
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	memcpy(d, self, sizeof(d));
	d[0].effective = (uint32_t)eff & d[0].permitted;
	d[1].effective = (uint32_t)(eff >> 32) & d[1].permitted;
	return syscall(SYS_capset, &h, d) < 0 ? -errno : 0;
}

int creds_self_read(struct creds_self *self)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct task_status s;
	int r = task_status_read("/proc/thread-self", &s);

	if (r < 0)
		return r;
	if (!s.cr.known)
		return -EIO;
	self->cr = s.cr;
	self->umask = s.umask;
	return syscall(SYS_capget, &h, self->caps) < 0 ? -errno : 0;
}

bool creds_same_userns(const struct creds_self *self, const struct task_creds *cr)
{
	return cr->known && cr->userns_dev == self->cr.userns_dev &&
	       cr->userns_ino == self->cr.userns_ino;
}

/* This thread leaves with cr's file-system rights: 0, or -errno with ours kept. */
int creds_enter(const struct creds_self *self, const struct task_creds *cr)
{
	int r = 0;

	if (!creds_same_userns(self, cr))
		return -EPERM;
	if (syscall(SYS_setgroups, (size_t)cr->ngroups, cr->groups) < 0)
		return -errno;
	syscall(SYS_setfsgid, cr->fsgid);
	syscall(SYS_setfsuid, cr->fsuid);
	/* setfsuid/setfsgid report the old id, not failure: look. */
	if ((uid_t)syscall(SYS_setfsuid, -1) != cr->fsuid ||
	    (gid_t)syscall(SYS_setfsgid, -1) != cr->fsgid)
		r = -EPERM;
	if (!r)
		r = set_caps(cr->capeff, self->caps);
	if (r)
		creds_leave(self);
	return r;
}

void creds_leave(const struct creds_self *self)
{
	const struct task_creds *o = &self->cr;

	/* fsuid back first: it returns the file-system capabilities, then all of ours. */
	syscall(SYS_setfsuid, o->fsuid);
	syscall(SYS_setfsgid, o->fsgid);
	/* setfsuid/setfsgid report the old id, not failure: look. Going on
	 * with a caller's rights would open files for everyone with them. */
	if (set_caps(o->capeff, self->caps) < 0 ||
	    syscall(SYS_setgroups, (size_t)o->ngroups, o->groups) < 0 ||
	    (uid_t)syscall(SYS_setfsuid, -1) != o->fsuid ||
	    (gid_t)syscall(SYS_setfsgid, -1) != o->fsgid) {
		log_error("cannot take back our own credentials (%s)", strerror(errno));
		abort();
	}
}

#ifndef AT_EACCESS
#define AT_EACCESS 0x200
#endif

int creds_may_delete(const struct creds_self *self, const struct task_creds *cr, const char *path)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(path, '/');
	struct stat dir, f;
	int r;

	if (!slash || (size_t)(slash - path) >= sizeof(parent))
		return -EINVAL;
	snprintf(parent, sizeof(parent), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	if ((r = creds_enter(self, cr)) < 0)
		return r;
	/* AT_EACCESS: the check uses this thread's (now the caller's) fsuid and groups. */
	r = syscall(SYS_faccessat2, AT_FDCWD, parent, W_OK | X_OK, AT_EACCESS) < 0 ? -errno : 0;
	creds_leave(self);
	if (r)
		return r == -ENOENT || r == -ENOTDIR ? r : -EACCES;
	if (lstat(parent, &dir) < 0 || lstat(path, &f) < 0)
		return -errno;
	/* A sticky directory: only the file's or the directory's owner, or CAP_FOWNER. */
	if ((dir.st_mode & S_ISVTX) && f.st_uid != cr->fsuid && dir.st_uid != cr->fsuid &&
	    !(cr->capeff & (1ULL << CAP_FOWNER)))
		return -EPERM;
	return 0;
}
