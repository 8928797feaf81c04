/* The per-process read-only scratch region that pins checked arguments. */
#ifndef AGENTSH_SCRATCH_H
#define AGENTSH_SCRATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tracee;

/*
 * The guard window is 1 GiB, aligned, so the prefilter can spot an address
 * in it with one masked compare; the region sits in its middle, so a range
 * that starts below the window needs a length of at least SCRATCH_GUARD_LEN
 * to reach it (the prefilter traps those lengths too).
 */
#define SCRATCH_WINDOW 0x3f0000000000ull
#define SCRATCH_WINDOW_MASK (~((1ull << 30) - 1))
#define SCRATCH_GUARD_LEN (1ull << 29)
#define SCRATCH_BASE (SCRATCH_WINDOW + SCRATCH_GUARD_LEN)
#define SCRATCH_SLOT_SIZE (192u * 1024u) /* exec: filename, argv, env */
#define SCRATCH_SLOTS 512
#define SCRATCH_SIZE ((uint64_t)SCRATCH_SLOT_SIZE * SCRATCH_SLOTS)
/* Where the address space is limited (ulimit -v) and 96 MiB will not fit:
 * 16 slots, 3 MiB; a 17th thread's checked calls are then denied. */
#define SCRATCH_SLOTS_SMALL 16
#define SCRATCH_SIZE_SMALL ((uint64_t)SCRATCH_SLOT_SIZE * SCRATCH_SLOTS_SMALL)

/* Slot layout. */
#define SCRATCH_OFF_PATH1 0
#define SCRATCH_OFF_PATH2 4096
#define SCRATCH_OFF_HOW 8192
#define SCRATCH_OFF_SOCKADDR 8448
#define SCRATCH_OFF_MSG 8704
#define SCRATCH_OFF_OPEN 12288 /* open_how (32 bytes) then the path: one write */
#define SCRATCH_OFF_ARGV 16384
#define SCRATCH_OFF_ENV (96u * 1024u) /* up to 96 KiB of environment */

struct scratch_mm;

struct scratch_mm *scratch_mm_new(void);
struct scratch_mm *scratch_mm_ref(struct scratch_mm *mm);
struct scratch_mm *scratch_mm_fork(const struct scratch_mm *parent);
void scratch_mm_unref(struct scratch_mm *mm);
bool scratch_mm_mapped(const struct scratch_mm *mm);
/* More than one traced task uses this address space (threads, CLONE_VM). */
bool scratch_mm_shared(const struct scratch_mm *mm);
const char *scratch_mm_root(struct scratch_mm *mm, pid_t tgid);
void scratch_mm_forget_root(struct scratch_mm *mm);
void scratch_mm_inherit_root(struct scratch_mm *mm, const struct scratch_mm *from);

/* 1: mapped at exec without a stop; 0: mapped by injection; -errno. */
int scratch_map(struct tracee *tr, bool at_exec);
/* The SIGTRAP of a failed exec-time mapping: handled (true) or not ours. */
bool scratch_exec_trap(struct tracee *tr);
/* The tracee address of the thread's slot (allocated now), 0 none. */
uint64_t scratch_slot_addr(struct tracee *tr);
uint64_t scratch_put(struct tracee *tr, size_t off, const void *data, size_t len);
void scratch_release_slot(struct tracee *tr);
/* Does [addr, addr+len) touch the region? */
bool scratch_overlaps(uint64_t addr, uint64_t len);

#endif /* !AGENTSH_SCRATCH_H */
