/*
 * Pin, don't re-check (design.md §3): a read-only region mapped into every
 * traced process at exec, at a fixed address inside a guard window the
 * prefilter watches. Checked arguments are copied into the calling thread's
 * slot there and the syscall is pointed at the copy, so no other thread or
 * process can change them between our decision and the kernel's read.
 */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "scratch.h"
#include "syscalls/mem.h"
#include "fs/resolve.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>

struct scratch_mm {
	uint64_t base;  /* 0: not mapped (32-bit ABI, or mapping failed) */
	int memfd;      /* cached /proc/PID/mem for writes */
	unsigned refs;
	uint8_t used[SCRATCH_SLOTS / 8];
	char *root; /* fs_root_hint of the address space's process, NULL unknown */
	bool root_foreign; /* another mount namespace: no hint */
};

struct scratch_mm *scratch_mm_new(void)
{
	struct scratch_mm *mm = calloc(1, sizeof(*mm));

	if (mm) {
		mm->memfd = -1;
		mm->refs = 1;
	}
	return mm;
}

struct scratch_mm *scratch_mm_ref(struct scratch_mm *mm)
{
	if (mm)
		mm->refs++;
	return mm;
}

void scratch_mm_unref(struct scratch_mm *mm)
{
	if (!mm || --mm->refs)
		return;
	safe_close(mm->memfd);
	free(mm->root);
	free(mm);
}

/* The root hint for path lookups, looked up once per address space. */
const char *scratch_mm_root(struct scratch_mm *mm, pid_t tgid)
{
	char buf[4096];

	if (!mm || mm->root_foreign)
		return NULL;
	if (!mm->root) {
		if (fs_root_hint(tgid, buf, sizeof(buf)) < 0) {
			mm->root_foreign = true;
			return NULL;
		}
		mm->root = strdup(buf);
	}
	return mm->root;
}

/* chroot, pivot_root, mount or namespace changes: look again next time. */
void scratch_mm_forget_root(struct scratch_mm *mm)
{
	if (!mm)
		return;
	free(mm->root);
	mm->root = NULL;
	mm->root_foreign = false;
}

/* A forked child has a copy of the parent's mapping at the same address. */
/* fork and exec keep the root and mount namespace: so does the hint. */
void scratch_mm_inherit_root(struct scratch_mm *mm, const struct scratch_mm *from)
{
	if (!mm || !from || mm->root || mm->root_foreign)
		return;
	mm->root_foreign = from->root_foreign;
	mm->root = from->root ? strdup(from->root) : NULL;
}

struct scratch_mm *scratch_mm_fork(const struct scratch_mm *parent)
{
	struct scratch_mm *mm = scratch_mm_new();

	if (mm && parent) {
		mm->base = parent->base;
		scratch_mm_inherit_root(mm, parent);
	}
	return mm;
}

bool scratch_mm_mapped(const struct scratch_mm *mm)
{
	return mm && mm->base;
}

/* Maps the region in a process stopped at its exec event (at_exec) or at
 * any other stop. MAP_FIXED_NOREPLACE without MAP_FIXED: the prefilter's
 * guard only stops MAP_FIXED, so our own mapping costs no extra stop. */
int scratch_map(struct tracee *tr, bool at_exec)
{
	uint64_t args[6] = { SCRATCH_BASE, SCRATCH_SIZE, PROT_READ,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE,
			     (uint64_t)-1, 0 };
	int64_t r;

	if (!tr->mm)
		return -EINVAL;
	safe_close(tr->mm->memfd);
	tr->mm->memfd = -1;
	tr->mm->base = 0;
	memset(tr->mm->used, 0, sizeof(tr->mm->used));
	r = at_exec ? tracer_inject_syscall_trap(tr, SYS_mmap, args)
		    : tracer_inject_syscall(tr, SYS_mmap, args);
	if (r != (int64_t)SCRATCH_BASE) {
		log_debug("scratch mmap in %d: %lld", tr->tid, (long long)r);
		return r < 0 ? (int)r : -EADDRINUSE;
	}
	tr->mm->base = SCRATCH_BASE;
	return 0;
}

/* The thread's slot, allocated on first use and kept until it exits. */
static uint64_t slot_of(struct tracee *tr)
{
	struct scratch_mm *mm = tr->mm;

	if (!scratch_mm_mapped(mm))
		return 0;
	if (tr->slot < 0) {
		for (int i = 0; i < SCRATCH_SLOTS; i++) {
			if (!(mm->used[i / 8] & (1u << (i % 8)))) {
				mm->used[i / 8] |= (uint8_t)(1u << (i % 8));
				tr->slot = i;
				break;
			}
		}
		if (tr->slot < 0)
			return 0;
	}
	return mm->base + (uint64_t)tr->slot * SCRATCH_SLOT_SIZE;
}

void scratch_release_slot(struct tracee *tr)
{
	if (tr->mm && tr->slot >= 0)
		tr->mm->used[tr->slot / 8] &= (uint8_t)~(1u << (tr->slot % 8));
	tr->slot = -1;
}

/* Writes len bytes at offset off of the thread's slot; returns the tracee
 * address, or 0 when the data cannot be pinned. */
uint64_t scratch_put(struct tracee *tr, size_t off, const void *data, size_t len)
{
	uint64_t slot = slot_of(tr);
	char p[64];

	if (!slot || off + len > SCRATCH_SLOT_SIZE)
		return 0;
	if (tr->mm->memfd < 0) {
		snprintf(p, sizeof(p), "/proc/%d/mem", tr->tgid);
		tr->mm->memfd = open(p, O_RDWR | O_CLOEXEC);
		if (tr->mm->memfd < 0)
			return 0;
	}
	if (pwrite(tr->mm->memfd, data, len, (off_t)(slot + off)) != (ssize_t)len) {
		/* The cached fd may belong to a process that exec'd meanwhile. */
		tr->mm->memfd = safe_close(tr->mm->memfd);
		return 0;
	}
	return slot + off;
}

bool scratch_overlaps(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (end < addr)
		return true; /* wraps around: covers everything */
	return addr < SCRATCH_BASE + SCRATCH_SIZE && end > SCRATCH_BASE;
}
