/* seccomp user-notify backend: filter, listener hand-over, the receive loop. */
#include "compat.h"
#include "enforce/notify.h"
#include "log.h"
#include "syscalls/op.h"
#include "syscalls/syscalls.h"
#include "tracer/tracer.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <seccomp.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static const char *const notify_calls[] = { "open", "openat", "openat2", "creat" };

static int build_ctx(bool static_read, scmp_filter_ctx *out)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = ctx ? prefilter_add_abis(ctx) : -ENOMEM;

	for (size_t i = 0; !r && i < ARRAY_SIZE(notify_calls); i++) {
		int nr = seccomp_syscall_resolve_name(notify_calls[i]);

		if (nr == __NR_SCMP_ERROR)
			continue;
		r = prefilter_add_open(ctx, SCMP_ACT_NOTIFY, syscalls_by_name(notify_calls[i]), nr,
				       static_read);
		if (r == -EDOM || r == -EFAULT)
			r = 0;
	}
	if (r && ctx)
		seccomp_release(ctx);
	*out = r ? NULL : ctx;
	return r;
}

int notify_prepare(struct notify *n, struct enforce *enf, bool static_read)
{
	scmp_filter_ctx ctx;
	int r;

	memset(n, 0, sizeof(*n));
	n->listener = n->to_parent[0] = n->to_parent[1] = n->to_child[0] = n->to_child[1] = -1;
	n->enf = enf;
	r = creds_self_read(&n->self);
	if (r)
		return log_errno(r, "seccomp notify: cannot read our own credentials");
	r = build_ctx(static_read, &ctx);
	if (r)
		return log_errno(r, "cannot build the seccomp notify filter");
	r = prefilter_export_prog(ctx, &n->prog);
	seccomp_release(ctx);
	if (r)
		return log_errno(r, "cannot export the seccomp notify filter");
	if (pipe2(n->to_parent, O_CLOEXEC) < 0 || pipe2(n->to_child, O_CLOEXEC) < 0)
		return -errno;
	if (!(n->op = calloc(1, sizeof(*n->op))))
		return -ENOMEM;
	r = seccomp_notify_alloc(&n->req, &n->resp);
	return r < 0 ? r : 0;
}

#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV_ (1UL << 5)

/* Child side: async-signal-safe. */
int notify_child(struct notify *n)
{
	/* Linux 5.19+: once we have received an open, only a fatal signal ends
	 * the caller's wait. Otherwise a signal handler's interruption makes
	 * the call restart after we created the file (O_EXCL: EEXIST). */
	unsigned long flags = SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV_;
	int fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &n->prog);
	char ack;

	if (fd < 0 && errno == EINVAL) {
		flags &= ~SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV_;
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &n->prog);
	}
	if (fd < 0 && errno == EACCES && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0)
		fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &n->prog);
	if (fd < 0)
		return -errno;
	if (write(n->to_parent[1], &fd, sizeof(fd)) != sizeof(fd) ||
	    read(n->to_child[0], &ack, 1) != 1 || ack != 'k')
		return -EPIPE;
	/* The command must never hold its own listener. */
	close(fd);
	close(n->to_parent[1]);
	close(n->to_child[0]);
	return 0;
}

static void on_listener(struct tracer *t, int fd, void *ctx)
{
	struct notify *n = ctx;
	struct pollfd p = { .fd = fd, .events = POLLIN };

	/* Drain what is queued; every answer is one ioctl. Look first: the
	 * call may be for POLLHUP alone, and a receive would then block. */
	while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN)) {
		memset(n->req, 0, sizeof(*n->req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, n->req) < 0) {
			if (errno != EINTR && errno != ENOENT)
				log_debug("notify recv: %s", strerror(errno));
			return;
		}
		n->handled++;
		notify_answer_open(n);
	}
}

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/*
 * Linux 6.6+: the notifying thread and we wake each other on the waker's
 * CPU, so a reply does not wake an idle CPU (on a VM that costs more than
 * the rest of the round trip). A denied open: 14.5-24.8 us without, 12.5-
 * 12.7 us with it, here. An allowed open gains nothing: ADDFD waits for the
 * target to install the fd, and that wake-up is not a synchronous one.
 * Older kernels refuse the flag; nothing else changes.
 */
static void sync_wake_up(int listener)
{
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0)
		log_debug("seccomp notify: no synchronous wake-up (%s)", strerror(errno));
}

/* The child says which fd number its listener has: take it over. */
static void on_handshake(struct tracer *t, int fd, void *ctx)
{
	struct notify *n = ctx;
	int child_fd, pidfd;
	char ack = 'k';

	int quiet = eventfd(0, EFD_CLOEXEC);

	/* One message only: a never-readable eventfd takes the pipe's place in the poll set. */
	if (quiet >= 0) {
		if (n->listener >= 0 || read(fd, &child_fd, sizeof(child_fd)) != sizeof(child_fd))
			child_fd = -1;
		dup3(quiet, fd, O_CLOEXEC);
		close(quiet);
	}
	if (quiet < 0 || child_fd < 0)
		return;
	pidfd = (int)syscall(SYS_pidfd_open, tracer_root_pid(t), 0);
	if (pidfd >= 0) {
		n->listener = (int)syscall(SYS_pidfd_getfd, pidfd, child_fd, 0);
		close(pidfd);
	}
	if (n->listener < 0) {
		log_errno(-errno, "cannot take the seccomp notify listener (pidfd_getfd)");
		ack = 'x';
	} else {
		fcntl(n->listener, F_SETFD, FD_CLOEXEC);
		sync_wake_up(n->listener);
		tracer_add_fd(t, n->listener, on_listener, n);
	}
	if (write(n->to_child[1], &ack, 1) != 1)
		log_debug("notify ack: %s", strerror(errno));
}

int notify_attach(struct notify *n, struct tracer *t)
{
	n->t = t;
	return tracer_add_fd(t, n->to_parent[0], on_handshake, n);
}

void notify_free(struct notify *n)
{
	int *fds[] = { &n->listener, &n->to_parent[0], &n->to_parent[1], &n->to_child[0],
		       &n->to_child[1] };

	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	if (n->op)
		op_reset(n->op);
	free(n->op);
	n->op = NULL;
	free(n->prog.filter);
	n->prog.filter = NULL;
	if (n->req)
		seccomp_notify_free(n->req, n->resp);
	n->req = NULL;
	n->resp = NULL;
}
