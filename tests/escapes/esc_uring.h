/* A minimal raw io_uring (no liburing): one submission, one completion. */
#ifndef AGENTSH_ESC_URING_H
#define AGENTSH_ESC_URING_H

#include "esc.h"
#include <linux/io_uring.h>
#include <stdatomic.h>
#include <sys/mman.h>

struct esc_uring {
	int fd;
	unsigned *sq_tail, *sq_mask, *sq_array, *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

/* Exits 77 when the kernel has no io_uring (or it is disabled natively). */
static inline void esc_uring_init(struct esc_uring *r)
{
	struct io_uring_params p = { 0 };
	r->fd = (int)syscall(SYS_io_uring_setup, 4, &p);
	if (r->fd < 0) {
		if ((errno == ENOSYS || errno == EPERM) && !esc_tracer_pid())
			esc_skip("io_uring_setup unavailable natively: %s", strerror(errno));
		esc_blocked("io_uring_setup: %s", strerror(errno));
	}
	size_t sq_sz = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	size_t cq_sz = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (cq_sz > sq_sz)
		sq_sz = cq_sz;
	char *sq = mmap(NULL, sq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			IORING_OFF_SQ_RING);
	char *cq = sq;
	if (sq == MAP_FAILED)
		esc_broken("mmap sq ring: %s", strerror(errno));
	if (!(p.features & IORING_FEAT_SINGLE_MMAP))
		cq = mmap(NULL, cq_sz, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			  IORING_OFF_CQ_RING);
	r->sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (cq == MAP_FAILED || r->sqes == MAP_FAILED)
		esc_broken("mmap rings: %s", strerror(errno));
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
}

/* Submit sqe, wait for its completion; returns cqe->res. */
static inline int esc_uring_run(struct esc_uring *r, const struct io_uring_sqe *sqe)
{
	unsigned tail = *r->sq_tail, idx = tail & *r->sq_mask;
	r->sqes[idx] = *sqe;
	r->sq_array[idx] = idx;
	atomic_store_explicit((_Atomic unsigned *)r->sq_tail, tail + 1, memory_order_release);
	if (syscall(SYS_io_uring_enter, r->fd, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0)
		return -errno;
	unsigned head = atomic_load_explicit((_Atomic unsigned *)r->cq_head, memory_order_acquire);
	if (head == atomic_load_explicit((_Atomic unsigned *)r->cq_tail, memory_order_acquire))
		return -EAGAIN;
	int res = r->cqes[head & *r->cq_mask].res;
	atomic_store_explicit((_Atomic unsigned *)r->cq_head, head + 1, memory_order_release);
	return res;
}

#endif /* AGENTSH_ESC_URING_H */
