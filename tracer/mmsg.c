/*
 * sendmmsg: every message's address is a decision (threat model 12), and
 * the headers and addresses are pinned together. At most MMSG_PIN messages
 * go per call; sendmmsg returns how many it sent, so callers send the rest.
 */
#include "compat.h"

#include <stdio.h>
#include "tracer_int.h"
#include "scratch.h"
#include "syscalls/mem.h"
#include "syscalls/sockaddr.h"
#include "syscalls/syscalls.h"

#include <sys/socket.h>

#define MMSG_PIN 32
#define MMSG_SA_LEN 128

_Static_assert(SCRATCH_OFF_ARGV + MMSG_PIN * (sizeof(struct mmsghdr) + MMSG_SA_LEN) <=
		       SCRATCH_SLOT_SIZE,
	       "sendmmsg pin area fits the slot");

struct mmsg_state {
	struct mmsghdr h[MMSG_PIN];
	uint8_t sa[MMSG_PIN][MMSG_SA_LEN];
	unsigned n;
};

/* Decodes message i's address into op; returns false when it has none. */
static bool decode_msg(struct tracee *tr, struct mmsg_state *m, unsigned i, struct op *op)
{
	size_t len = m->h[i].msg_hdr.msg_namelen;

	if (!m->h[i].msg_hdr.msg_name)
		return false;
	if (len > MMSG_SA_LEN)
		len = MMSG_SA_LEN;
	op->kind = OP_NONE;
	op->err = 0;
	op->err_native = false;
	op->any_dest = false;
	op->family = 0;
	op->addr[0] = 0;
	op->abstract = false;
	op->msg_index = (int)i;
	if (mem_read(tr->tid, (uintptr_t)m->h[i].msg_hdr.msg_name, m->sa[i], len) < 0) {
		op->kind = OP_NET;
		op->err = -EFAULT;
		op->err_what = "mmsghdr name";
		return true;
	}
	m->h[i].msg_hdr.msg_namelen = (socklen_t)len;
	if (sockaddr_decode(m->sa[i], len, op) < 0)
		return false;
	op->kind = op->family == AF_UNIX ? OP_UNIX : (op->family == AF_INET || op->family == AF_INET6) ? OP_NET : OP_NONE;
	op->npaths = 0;
	op->p1.pin[0] = 0;
	if (op->kind == OP_UNIX)
		syscalls_unix_resolve(scratch_mm_root(tr->mm, tr->tgid), tr->tid, tr->tgid, op);
	return op->kind != OP_NONE;
}

/* Returns the action for the whole call: the first message not allowed decides. */
bool tracer_sendmmsg(struct tracer *t, struct tracee *tr, bool at_seccomp, const uint64_t args[6],
		     struct op *op, struct decision_out *d, const struct proc_info *pi)
{
	struct mmsg_state *m = calloc(1, sizeof(*m));
	struct arch_regs regs;
	uint64_t hdrs;
	bool pinned = false;

	if (!m)
		return false;
	m->n = args[2] > MMSG_PIN ? MMSG_PIN : (unsigned)args[2];
	d->action = ACT_ALLOW;
	if (arch_abi_wordsize(tr->cur_abi) != 8 ||
	    mem_read(tr->tid, args[1], m->h, m->n * sizeof(struct mmsghdr)) < 0) {
		free(m);
		return false; /* the kernel fails it (EFAULT) or the op path denies */
	}
	bool named = false, unpinnable = false;

	for (unsigned i = 0; i < m->n && d->action == ACT_ALLOW; i++) {
		long n;

		if (!decode_msg(tr, m, i, op))
			continue;
		named = true;
		if (op->kind == OP_NET && !op->err) {
			tracer_any_destination(t, tr, op);
			/* To 0.0.0.0 the source is the destination, and a
			 * control message (IP_PKTINFO) could pick it. */
			if (op->any_dest && m->h[i].msg_hdr.msg_controllen) {
				op->err = -EPERM;
				op->err_what = "a send to 0.0.0.0 with control messages";
			}
		}
		enforce_decide(t->enf, pi, op, d);
		/* A unix path goes as resolved for the decision (the copy we
		 * pin is replaced; the tracee's memory is never read again). */
		if (d->action == ACT_ALLOW && op->kind == OP_UNIX &&
		    (n = sockaddr_unix_pinned(op, m->sa[i], MMSG_SA_LEN)) != 0) {
			if (n < 0)
				unpinnable = true;
			else
				m->h[i].msg_hdr.msg_namelen = (socklen_t)n;
		}
	}
	if (!named) {
		free(m);
		return false; /* connected socket: decided at connect() */
	}
	if (d->action != ACT_ALLOW) {
		free(m);
		return true;
	}
	if (unpinnable)
		goto out;
	/* Pin: addresses first, then headers pointing at them. */
	for (unsigned i = 0; i < m->n; i++) {
		uint64_t at;

		if (!m->h[i].msg_hdr.msg_name)
			continue;

		at = scratch_put(tr, SCRATCH_OFF_ARGV + i * MMSG_SA_LEN, m->sa[i],
				 m->h[i].msg_hdr.msg_namelen);
		if (!at)
			goto out;
		m->h[i].msg_hdr.msg_name = (void *)(uintptr_t)at;
	}
	hdrs = scratch_put(tr, SCRATCH_OFF_ARGV + MMSG_PIN * MMSG_SA_LEN, m->h,
			   m->n * sizeof(struct mmsghdr));
	if (hdrs && arch_host->get_regs(tr->tid, &regs) == 0) {
		arch_host->set_arg(&regs, tr->cur_abi, 1, hdrs);
		arch_host->set_arg(&regs, tr->cur_abi, 2, m->n);
		pinned = arch_host->set_regs(tr->tid, &regs) == 0;
	}
out:
	if (!pinned) {
		d->action = ACT_DENY;
		d->err = EACCES;
	}
	free(m);
	return true;
}
