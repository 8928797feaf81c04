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
#ifdef __x86_64__
#include <elf.h>
#include <sys/auxv.h>
#include <sys/uio.h>
#include <sys/user.h>
#endif

struct scratch_mm {
	uint64_t base;  /* 0: not mapped (32-bit ABI, or mapping failed) */
	unsigned nslots; /* slots mapped: SCRATCH_SLOTS, or SCRATCH_SLOTS_SMALL */
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

bool scratch_mm_shared(const struct scratch_mm *mm)
{
	return !mm || mm->refs > 1;
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
		mm->nslots = parent->nslots;
		scratch_mm_inherit_root(mm, parent);
	}
	return mm;
}

bool scratch_mm_mapped(const struct scratch_mm *mm)
{
	return mm && mm->base;
}

static int mm_memfd(struct scratch_mm *mm, pid_t tgid)
{
	char p[64];

	if (mm->memfd < 0) {
		snprintf(p, sizeof(p), "/proc/%d/mem", tgid);
		mm->memfd = open(p, O_RDWR | O_CLOEXEC);
	}
	return mm->memfd;
}

#ifdef __x86_64__
/*
 * The exec-time mapping without a stop of its own. At its exec event a
 * process has run none of its code and holds only the registers the kernel
 * gave it (all zero but rip and rsp). We point it at a stub written into the
 * unused tail of its vDSO, with the entry point pushed as return address:
 *
 *	mov  eax, SYS_mmap   (execve's return value lands in rax as we resume)
 *	syscall              mmap(SCRATCH_BASE, ...), arguments set by us
 *	pushf
 *	cmp  rax, rdi        the region's address, or it failed: a filter of the
 *	jne  fail            tracee's own can fake a return of 0 (RET_ERRNO|0)
 *	popf
 *	mov  reg, 0          each register the call or we touched (mov: the
 *	                     flags stay as the kernel set them)
 *	ret                  to the entry point, rsp as the kernel left it
 *  fail:
 *	popf
 *	int3                 a stop only when the mapping failed
 *
 * so the program starts exactly as it would have, with the region mapped,
 * and the tracer hears of it only if mmap failed (scratch_exec_trap). The
 * stub stays in the process's private copy of the vDSO page, never called.
 * tests/integration/test_exec_entry.sh checks the state a program starts in.
 */
static const uint8_t exec_stub[] = {
	0xb8, SYS_mmap, 0, 0, 0,      /* mov eax, SYS_mmap */
	0x0f, 0x05,                   /* syscall */
	0x9c,                         /* pushf */
	0x48, 0x39, 0xf8,             /* cmp rax, rdi (SCRATCH_BASE) */
	0x75, 0x33,                   /* jne fail (+51) */
	0x9d,                         /* popf */
	0xb8, 0, 0, 0, 0,             /* mov eax, 0 */
	0xbf, 0, 0, 0, 0,             /* mov edi, 0 */
	0xbe, 0, 0, 0, 0,             /* mov esi, 0 */
	0xba, 0, 0, 0, 0,             /* mov edx, 0 */
	0xb9, 0, 0, 0, 0,             /* mov ecx, 0 */
	0x41, 0xb8, 0, 0, 0, 0,       /* mov r8d, 0 */
	0x41, 0xb9, 0, 0, 0, 0,       /* mov r9d, 0 */
	0x41, 0xba, 0, 0, 0, 0,       /* mov r10d, 0 */
	0x41, 0xbb, 0, 0, 0, 0,       /* mov r11d, 0 */
	0xc3,                         /* ret */
	0x9d,                         /* fail: popf */
	0xcc,                         /* int3 */
};
#define STUB_ROOM 128
_Static_assert(sizeof(exec_stub) <= STUB_ROOM, "the stub fits its room");

/* Where the stub goes in a 64-bit vDSO: the zero tail of its last page,
 * past every byte of the image. The kernel maps the same image into every
 * 64-bit process, so our own copy tells; 0 when there is no room. */
static uint64_t vdso_stub_offset(void)
{
	static int done;
	static uint64_t off;
	const uint8_t *b = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	const Elf64_Ehdr *e = (const Elf64_Ehdr *)b;
	uint64_t end, cand;

	if (done)
		return off;
	done = 1;
	if (!b || memcmp(e->e_ident, ELFMAG, SELFMAG) || e->e_ident[EI_CLASS] != ELFCLASS64 ||
	    e->e_shentsize != sizeof(Elf64_Shdr) || e->e_phentsize != sizeof(Elf64_Phdr))
		return 0;
	end = e->e_shoff + (uint64_t)e->e_shnum * sizeof(Elf64_Shdr);
	if (e->e_phoff + (uint64_t)e->e_phnum * sizeof(Elf64_Phdr) > end)
		end = e->e_phoff + (uint64_t)e->e_phnum * sizeof(Elf64_Phdr);
	const Elf64_Phdr *ph = (const Elf64_Phdr *)(b + e->e_phoff);
	for (int i = 0; i < e->e_phnum; i++)
		if (ph[i].p_offset + ph[i].p_filesz > end)
			end = ph[i].p_offset + ph[i].p_filesz;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(b + e->e_shoff);
	for (int i = 0; i < e->e_shnum; i++)
		if (sh[i].sh_type != SHT_NOBITS && sh[i].sh_offset + sh[i].sh_size > end)
			end = sh[i].sh_offset + sh[i].sh_size;
	cand = ((end + 4095) & ~4095ull) - STUB_ROOM;
	if (cand < end || cand > (1u << 20))
		return 0;
	for (size_t i = 0; i < STUB_ROOM; i++)
		if (b[cand + i])
			return 0;
	off = cand;
	return off;
}

/* The vDSO's address in a process at its exec event, from the auxiliary
 * vector above argv and envp on its stack; 0 when not found in 8 KiB. */
static uint64_t exec_vdso_base(pid_t tid, uint64_t sp)
{
	uint64_t w[1024];
	struct iovec l = { w, sizeof(w) }, r = { (void *)sp, sizeof(w) };
	ssize_t n = process_vm_readv(tid, &l, 1, &r, 1, 0);
	size_t nw, i;

	if (n < 16)
		return 0;
	nw = (size_t)n / 8;
	i = 1 + w[0] + 1; /* argc, argv[], NULL */
	while (i < nw && w[i]) /* envp[] */
		i++;
	for (i++; i + 1 < nw && w[i] != AT_NULL; i += 2)
		if (w[i] == AT_SYSINFO_EHDR)
			return w[i + 1];
	return 0;
}

/* The process's vDSO is the image ours is (an x32 process has another) and
 * the stub's room in it is still zero. */
static bool same_vdso(pid_t tid, uint64_t vdso, uint64_t off)
{
	const uint8_t *own = (const uint8_t *)getauxval(AT_SYSINFO_EHDR);
	uint8_t hdr[sizeof(Elf64_Ehdr)], room[STUB_ROOM];
	struct iovec l[2] = { { hdr, sizeof(hdr) }, { room, sizeof(room) } };
	struct iovec r[2] = { { (void *)vdso, sizeof(hdr) }, { (void *)(vdso + off), sizeof(room) } };

	if (process_vm_readv(tid, l, 2, r, 2, 0) != (ssize_t)(sizeof(hdr) + sizeof(room)) ||
	    memcmp(hdr, own, sizeof(hdr)))
		return false;
	for (size_t i = 0; i < sizeof(room); i++)
		if (room[i])
			return false;
	return true;
}

static int map_by_stub(struct tracee *tr)
{
	struct arch_regs saved, r;
	struct user_regs_struct *u = (struct user_regs_struct *)r.raw;
	uint64_t off = vdso_stub_offset(), vdso, sp, entry;
	int fd;

	if (!off || arch_host->get_regs(tr->tid, &saved) < 0)
		return -ENOSYS;
	r = saved;
	if (u->cs != 0x33) /* not a 64-bit image: the region is not used there */
		return -ENOSYS;
	sp = u->rsp;
	entry = u->rip;
	vdso = exec_vdso_base(tr->tid, sp);
	if (!vdso || !same_vdso(tr->tid, vdso, off))
		return -ENOSYS;
	fd = mm_memfd(tr->mm, tr->tgid);
	if (fd < 0)
		return -ENOSYS;
	if (pwrite(fd, exec_stub, sizeof(exec_stub), (off_t)(vdso + off)) != sizeof(exec_stub) ||
	    pwrite(fd, &entry, 8, (off_t)(sp - 8)) != 8)
		return -EIO;
	u->orig_rax = (unsigned long long)-1;
	u->rdi = SCRATCH_BASE;
	u->rsi = SCRATCH_SIZE;
	u->rdx = PROT_READ;
	u->r10 = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE;
	u->r8 = (uint64_t)-1;
	u->r9 = 0;
	u->rsp = sp - 8;
	u->rip = vdso + off;
	if (arch_host->set_regs(tr->tid, &r) < 0)
		return -EIO;
	tr->stub_trap_ip = vdso + off + sizeof(exec_stub);
	tr->stub_entry = entry;
	tr->mm->base = SCRATCH_BASE;
	tr->mm->nslots = SCRATCH_SLOTS;
	return 0;
}

/* A SIGTRAP stop of a process whose exec stub ran: if it is the stub's
 * int3, mmap failed (an address-space limit, ulimit -v; or a filter of the
 * tracee's own faked it). The stub runs once more for the small region (its
 * arguments are still in place); if that fails too, the program starts as
 * the kernel would have started it, without the region. True when the stop
 * was ours. */
bool scratch_exec_trap(struct tracee *tr)
{
	struct arch_regs r;
	struct user_regs_struct *u = (struct user_regs_struct *)r.raw;

	if (!tr->stub_trap_ip || arch_host->get_regs(tr->tid, &r) < 0 || u->rip != tr->stub_trap_ip)
		return false;
	if (u->rsi == SCRATCH_SIZE && tr->mm) {
		u->rsi = SCRATCH_SIZE_SMALL;
		u->rip = tr->stub_trap_ip - sizeof(exec_stub);
		if (arch_host->set_regs(tr->tid, &r) == 0) {
			tr->mm->nslots = SCRATCH_SLOTS_SMALL;
			return true;
		}
	}
	log_debug("scratch mmap in %d failed: %lld", tr->tid, (long long)(int64_t)u->rax);
	u->rip = tr->stub_entry;
	u->rsp += 8; /* the pushed entry point; the flags are popped already */
	u->rax = u->rdi = u->rsi = u->rdx = u->r10 = u->r8 = u->r9 = u->rcx = u->r11 = 0;
	tr->stub_trap_ip = 0;
	if (tr->mm) {
		tr->mm->base = 0;
		tr->mm->nslots = 0;
	}
	if (arch_host->set_regs(tr->tid, &r) < 0)
		log_warn("cannot restore tracee %d after its scratch mapping failed", tr->tid);
	log_warn("pid %d: cannot map the scratch region: its checked calls will be denied",
		 tr->tid);
	return true;
}
#else
static int map_by_stub(struct tracee *tr)
{
	(void)tr;
	return -ENOSYS;
}

bool scratch_exec_trap(struct tracee *tr)
{
	(void)tr;
	return false;
}
#endif

/* AGENTSH_TEST_NO_EXEC_STUB: the tests' way to the injection below. */
static bool use_stub(void)
{
	static int v = -1;

	if (v < 0)
		v = !getenv("AGENTSH_TEST_NO_EXEC_STUB");
	return v;
}

/* Maps the region in a process stopped at its exec event (at_exec) or at
 * any other stop: 1 by the exec stub (no stop of its own), 0 by injection,
 * or -errno. MAP_FIXED_NOREPLACE without MAP_FIXED: the prefilter's
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
	tr->mm->nslots = 0;
	memset(tr->mm->used, 0, sizeof(tr->mm->used));
	tr->stub_trap_ip = 0;
	if (at_exec && use_stub() && map_by_stub(tr) == 0)
		return 1;
	for (int small = 0; small < 2; small++) {
		if (small)
			args[1] = SCRATCH_SIZE_SMALL; /* under an address-space limit */
		r = at_exec ? tracer_inject_syscall_trap(tr, SYS_mmap, args)
			    : tracer_inject_syscall(tr, SYS_mmap, args);
		if (r == (int64_t)SCRATCH_BASE || r != -ENOMEM)
			break;
	}
	if (r != (int64_t)SCRATCH_BASE) {
		log_debug("scratch mmap in %d: %lld", tr->tid, (long long)r);
		return r < 0 ? (int)r : -EADDRINUSE;
	}
	tr->mm->base = SCRATCH_BASE;
	tr->mm->nslots = args[1] == SCRATCH_SIZE ? SCRATCH_SLOTS : SCRATCH_SLOTS_SMALL;
	return 0;
}

/* The thread's slot, allocated on first use and kept until it exits. */
static uint64_t slot_of(struct tracee *tr)
{
	struct scratch_mm *mm = tr->mm;

	if (!scratch_mm_mapped(mm))
		return 0;
	if (tr->slot < 0) {
		for (int i = 0; i < (int)mm->nslots; i++) {
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

uint64_t scratch_slot_addr(struct tracee *tr)
{
	return slot_of(tr);
}

/* Writes len bytes at offset off of the thread's slot; returns the tracee
 * address, or 0 when the data cannot be pinned. */
uint64_t scratch_put(struct tracee *tr, size_t off, const void *data, size_t len)
{
	uint64_t slot = slot_of(tr);

	if (!slot || off + len > SCRATCH_SLOT_SIZE)
		return 0;
	if (mm_memfd(tr->mm, tr->tgid) < 0)
		return 0;
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
