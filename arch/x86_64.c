/* x86_64 host: native x86_64, x32 (nr | X32_SYSCALL_BIT) and i386 via int 0x80. */
#ifdef __x86_64__
#include "compat.h"
#include "arch.h"

#include <sys/ptrace.h>
#include <sys/user.h>

_Static_assert(sizeof(struct user_regs_struct) <= sizeof(struct arch_regs), "regs fit");

#define R(r) ((struct user_regs_struct *)(r)->raw)
#define RC(r) ((const struct user_regs_struct *)(r)->raw)

static int x86_get_regs(pid_t tid, struct arch_regs *r)
{
	return ptrace(PTRACE_GETREGS, tid, 0, R(r)) < 0 ? -errno : 0;
}

static int x86_set_regs(pid_t tid, const struct arch_regs *r)
{
	return ptrace(PTRACE_SETREGS, tid, 0, RC(r)) < 0 ? -errno : 0;
}

static long x86_get_nr(const struct arch_regs *r)
{
	return (long)RC(r)->orig_rax;
}

static void x86_set_nr(struct arch_regs *r, long nr)
{
	R(r)->orig_rax = (unsigned long long)nr;
}

/* i386 passes arguments in ebx, ecx, edx, esi, edi, ebp (arch/x86/entry/entry_32.S). */
static unsigned long long *x86_arg_slot(struct user_regs_struct *u, enum abi abi, int i)
{
	unsigned long long *native[6] = { &u->rdi, &u->rsi, &u->rdx, &u->r10, &u->r8, &u->r9 };
	unsigned long long *compat[6] = { &u->rbx, &u->rcx, &u->rdx, &u->rsi, &u->rdi, &u->rbp };

	return abi == ABI_I386 ? compat[i] : native[i];
}

static uint64_t x86_get_arg(const struct arch_regs *r, enum abi abi, int i)
{
	uint64_t v = *x86_arg_slot((struct user_regs_struct *)r->raw, abi, i);

	return abi == ABI_I386 ? (uint32_t)v : v;
}

static void x86_set_arg(struct arch_regs *r, enum abi abi, int i, uint64_t v)
{
	*x86_arg_slot(R(r), abi, i) = v;
}

static void x86_set_ret(struct arch_regs *r, int64_t v)
{
	R(r)->rax = (unsigned long long)v;
}

static int64_t x86_get_ret(const struct arch_regs *r)
{
	return (int64_t)RC(r)->rax;
}

static uint64_t x86_get_ip(const struct arch_regs *r)
{
	return RC(r)->rip;
}

static void x86_set_ip(struct arch_regs *r, uint64_t ip)
{
	R(r)->rip = ip;
}

static uint64_t x86_get_sp(const struct arch_regs *r)
{
	return RC(r)->rsp;
}

/* `syscall` takes the number from rax; orig_rax = -1 keeps the kernel from
 * restarting an interrupted call over ours (arch/x86/kernel/signal.c). */
static void x86_prepare_inject(struct arch_regs *r, long nr)
{
	R(r)->rax = (unsigned long long)nr;
	R(r)->orig_rax = (unsigned long long)-1;
}

static const uint8_t x86_syscall_insn[] = { 0x0f, 0x05 };

static const struct arch_ops arch_x86_64 = {
	.name = "x86_64",
	.get_regs = x86_get_regs,
	.set_regs = x86_set_regs,
	.get_nr = x86_get_nr,
	.set_nr = x86_set_nr,
	.get_arg = x86_get_arg,
	.set_arg = x86_set_arg,
	.set_ret = x86_set_ret,
	.get_ret = x86_get_ret,
	.get_ip = x86_get_ip,
	.set_ip = x86_set_ip,
	.get_sp = x86_get_sp,
	.prepare_inject = x86_prepare_inject,
	.syscall_insn = x86_syscall_insn,
	.syscall_insn_len = 2,
};

const struct arch_ops *const arch_host = &arch_x86_64;
#endif /* __x86_64__ */
