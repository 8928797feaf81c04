/*
 * connect_redirects with redirect_to_unix: an inet socket cannot connect to
 * a unix path, so its fd number is given a unix socket of the same type and
 * flags, and the program's own connect runs again against the new address.
 *
 *   connect stop:  skip the call, ask for its exit stop
 *   exit stop:     inject socket(AF_UNIX), dup3 onto the fd, close; rewind
 *                  the IP onto the syscall instruction with connect's number
 *                  and the pinned sockaddr_un
 *   connect again: the one we armed: runs as is
 */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "scratch.h"

#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

struct unix_redirect {
	int fd;
	bool armed; /* the rewound connect is expected next */
	struct sockaddr_un sa;
	socklen_t len;
};

/* The socket's type and flags, read through a duplicate of the tracee's fd. */
static int sock_shape(pid_t tgid, int fd, int *type, bool *nonblock, bool *cloexec)
{
	int pfd = (int)syscall(SYS_pidfd_open, tgid, 0), sfd, r = 0;
	char p[64], line[128];
	socklen_t len = sizeof(*type);
	FILE *f;

	if (pfd < 0)
		return -errno;
	sfd = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
	close(pfd);
	if (sfd < 0)
		return -errno;
	if (getsockopt(sfd, SOL_SOCKET, SO_TYPE, type, &len) < 0)
		r = -errno;
	*nonblock = fcntl(sfd, F_GETFL) & O_NONBLOCK;
	close(sfd);
	*cloexec = false;
	snprintf(p, sizeof(p), "/proc/%d/fdinfo/%d", tgid, fd);
	if ((f = fopen(p, "re"))) {
		unsigned long flags;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "flags: %lo", &flags) == 1)
				*cloexec = flags & O_CLOEXEC;
		fclose(f);
	}
	return r;
}

int tracer_unix_redirect_start(struct tracer *t, struct tracee *tr, bool at_seccomp,
			       const struct op *op, const struct decision_out *d)
{
	struct unix_redirect *u;

	if (strcmp(op->net_op ? op->net_op : "", "connect") || d->net_to_len > sizeof(u->sa) ||
	    !scratch_mm_mapped(tr->mm))
		return -ENOTSUP; /* sendto on a datagram socket: refused */
	u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	u->fd = (int)t->cur_args[0];
	memcpy(&u->sa, d->net_to, d->net_to_len);
	u->len = d->net_to_len;
	free(tr->unix_redir);
	tr->unix_redir = u;
	tracer_fail_syscall(t, tr, at_seccomp, -EINTR); /* skipped; redone at exit */
	tr->want_exit = true;
	return 0;
}

static int64_t inject(struct tracee *tr, long nr, uint64_t a0, uint64_t a1, uint64_t a2)
{
	uint64_t args[6] = { a0, a1, a2 };

	return tracer_inject_syscall(tr, nr, args);
}

/* At the skipped connect's exit stop: swap the socket, rewind onto connect. */
void tracer_unix_redirect_exit(struct tracer *t, struct tracee *tr)
{
	struct unix_redirect *u = tr->unix_redir;
	struct arch_regs regs;
	int type = SOCK_STREAM;
	bool nonblock = false, cloexec = false;
	int64_t nfd;
	uint64_t sa;

	if (!u || u->armed)
		return;
	int r = sock_shape(tr->tgid, u->fd, &type, &nonblock, &cloexec);

	if (r < 0) {
		log_debug("redirect_to_unix: fd %d of %d: %s", u->fd, tr->tgid, strerror(-r));
		goto fail;
	}
	nfd = inject(tr, SYS_socket, AF_UNIX,
		     (uint64_t)type | (nonblock ? SOCK_NONBLOCK : 0) | (cloexec ? SOCK_CLOEXEC : 0), 0);
	if (nfd < 0) {
		log_debug("redirect_to_unix: socket: %s", strerror((int)-nfd));
		goto fail;
	}
	if (inject(tr, SYS_dup3, (uint64_t)nfd, (uint64_t)u->fd, cloexec ? O_CLOEXEC : 0) < 0) {
		inject(tr, SYS_close, (uint64_t)nfd, 0, 0);
		goto fail;
	}
	inject(tr, SYS_close, (uint64_t)nfd, 0, 0);
	sa = scratch_put(tr, SCRATCH_OFF_SOCKADDR, &u->sa, u->len);
	if (!sa || arch_host->get_regs(tr->tid, &regs) < 0)
		goto fail;
	/* Run the syscall instruction again, as connect(fd, pinned unix address). */
	arch_host->set_ip(&regs, arch_host->get_ip(&regs) - (uint64_t)arch_host->syscall_insn_len);
	arch_host->prepare_inject(&regs, SYS_connect);
	arch_host->set_arg(&regs, tr->cur_abi, 0, (uint64_t)u->fd);
	arch_host->set_arg(&regs, tr->cur_abi, 1, sa);
	arch_host->set_arg(&regs, tr->cur_abi, 2, u->len);
	if (arch_host->set_regs(tr->tid, &regs) < 0)
		goto fail;
	u->armed = true;
	return;
fail:
	log_warn("redirect_to_unix for pid %d failed: the connect is refused", tr->tgid);
	if (arch_host->get_regs(tr->tid, &regs) == 0) {
		arch_host->set_ret(&regs, -ECONNREFUSED);
		arch_host->set_regs(tr->tid, &regs);
	}
	free(u);
	tr->unix_redir = NULL;
}

/* The rewound connect's stop: let it run, it was decided already. */
bool tracer_unix_redirect_armed(struct tracee *tr, long nr, const uint64_t args[6])
{
	struct unix_redirect *u = tr->unix_redir;
	bool ours = u && u->armed && nr == SYS_connect && (int)args[0] == u->fd;

	if (u && u->armed) {
		free(u);
		tr->unix_redir = NULL;
	}
	return ours;
}
