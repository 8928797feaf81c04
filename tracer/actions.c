/* Verdicts that change what a syscall does: soft delete and redirects. */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "fs/trash.h"
#include "syscalls/mem.h"
#include "syscalls/syscalls.h"
#include "scratch.h"

#include <limits.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>

/* The tracer moves the file itself, then skips the call with success. A move
 * that cannot be done (another filesystem) denies rather than deletes. */
/* 0, or the -errno the caller's own unlink/rmdir of path would get for lack
 * of rights (its credentials unreadable or of another user namespace: EACCES). */
static int caller_may_delete(struct tracer *t, struct tracee *tr, const char *path)
{
	struct task_status st;
	char dir[32];
	int r;

	if (!t->have_self_creds) {
		if ((r = creds_self_read(&t->self_creds)) < 0) {
			log_errno(r, "soft_delete: cannot read our own credentials");
			return -EACCES;
		}
		t->have_self_creds = true;
	}
	snprintf(dir, sizeof(dir), "/proc/%d", tr->tid);
	if (task_status_read(dir, &st) < 0 || !st.cr.known)
		return -EACCES;
	if (task_creds_equal(&st.cr, &t->self_creds.cr))
		return 0;
	r = creds_may_delete(&t->self_creds, &st.cr, path);
	return r == -ENOENT || r == -EPERM || r == -EACCES ? r : r < 0 ? -EACCES : 0;
}

void tracer_soft_delete(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op,
			const struct decision_out *d)
{
	const struct enforce_opts *o = enforce_options(t->enf);
	char trash[PATH_MAX], id[64];
	int r;

	if (!(op->ops & (FOP_DELETE | FOP_RMDIR)) || op->kind != OP_FILE)
		return; /* soft_delete only changes deletions */
	/* unlink("x/"), unlink("d/.."), rmdir("d/."): the kernel refuses these
	 * itself (ENOTDIR, EISDIR, EINVAL ...); let it, on the pinned name. */
	size_t pl = strlen(op->p1.path);
	bool slash_only = strncmp(op->p1.pin, op->p1.path, pl) == 0 && strcmp(op->p1.pin + pl, "/") == 0;
	if (op->p1.pin[0] && ((op->ops & FOP_DELETE) || !slash_only)) {
		if (tracer_pin(t, tr, op) < 0)
			tracer_fail_syscall(t, tr, at_seccomp, -EACCES);
		return;
	}
	fs_trash_dir(o->trash_dir, o->workspace, trash, sizeof(trash));
	if (strncmp(op->p1.path, trash, strlen(trash)) == 0)
		return; /* emptying the trash is a real delete */
	/* We move the file: only if the caller could have deleted it itself. */
	if ((r = caller_may_delete(t, tr, op->p1.path)) < 0) {
		tracer_fail_syscall(t, tr, at_seccomp, r);
		return;
	}
	r = fs_trash_move(trash, op->p1.path, tr->tgid, o->session_id, id, sizeof(id));
	if (r) {
		log_warn("soft delete of %s failed (%s): denied", op->p1.path, strerror(-r));
		tracer_fail_syscall(t, tr, at_seccomp, r == -ENOENT ? -ENOENT : -EACCES);
		return;
	}
	tracer_fail_syscall(t, tr, at_seccomp, 0);
}

/* Writes data below the stopped thread's stack pointer (past the red zone)
 * and returns its address there, or 0. */
static uint64_t push_to_stack(pid_t tid, uint64_t *sp, const void *data, size_t len)
{
	uint64_t at = (*sp - len) & ~(uint64_t)15;

	if (mem_write(tid, at, data, len) < 0)
		return 0;
	*sp = at;
	return at;
}

static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = 0;
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

static int redirect_file(struct tracer *t, struct tracee *tr, const struct op *op,
			 const struct decision_out *d)
{
	struct arch_regs regs;
	uint64_t sp, at;
	enum abi abi = tr->cur_abi;
	int r;

	if (!d->v.redirect_path[0] || op->sc->path < 0)
		return -EINVAL;
	r = mkdir_parents(d->v.redirect_path);
	if (r)
		return r;
	r = arch_host->get_regs(tr->tid, &regs);
	if (r)
		return r;
	/* In the scratch slot, pinned like any checked path; on the stack only
	 * where there is no scratch region. */
	at = scratch_put(tr, SCRATCH_OFF_PATH1, d->v.redirect_path, strlen(d->v.redirect_path) + 1);
	sp = arch_host->get_sp(&regs) - 4096;
	if (!at)
		at = push_to_stack(tr->tid, &sp, d->v.redirect_path, strlen(d->v.redirect_path) + 1);
	if (!at)
		return -EFAULT;
	arch_host->set_arg(&regs, abi, op->sc->path, at);
	return arch_host->set_regs(tr->tid, &regs);
}

void tracer_redirect(struct tracer *t, struct tracee *tr, bool at_seccomp, const struct op *op,
		     const struct decision_out *d)
{
	int r = -EINVAL;

	if (op->kind == OP_NET && d->net_to_len &&
	    ((const struct sockaddr *)d->net_to)->sa_family == AF_UNIX)
		r = tracer_unix_redirect_start(t, tr, at_seccomp, op, d);
	else if (op->kind == OP_NET && d->net_to_len)
		r = tracer_pin_sockaddr(tr, op, d->net_to, d->net_to_len);
	else if (op->kind == OP_FILE)
		r = redirect_file(t, tr, op, d);
	else if (op->kind == OP_EXEC)
		r = tracer_redirect_exec(t, tr, op, d);
	if (r) {
		log_warn("redirect of %s failed (%s): denied", op->name, strerror(-r));
		tracer_fail_syscall(t, tr, at_seccomp, -EACCES);
	}
}
