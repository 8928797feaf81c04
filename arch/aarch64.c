/* aarch64 host: args in x0..x5, nr in x8 (set through NT_ARM_SYSTEM_CALL). */
#ifdef __aarch64__
#include "compat.h"
#include "arch.h"

#include <elf.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

struct a64_regs {
	struct user_regs_struct u;
	long nr; /* pending syscall number, written with NT_ARM_SYSTEM_CALL */
	long orig_x0;
};

_Static_assert(sizeof(struct a64_regs) <= sizeof(struct arch_regs), "regs fit");

#define R(r) ((struct a64_regs *)(r)->raw)
#define RC(r) ((const struct a64_regs *)(r)->raw)

static int a64_get_regs(pid_t tid, struct arch_regs *r)
{
	struct iovec iov = { &R(r)->u, sizeof(R(r)->u) };
	int nr = 0;
	struct iovec iov_nr = { &nr, sizeof(nr) };

	if (ptrace(PTRACE_GETREGSET, tid, NT_PRSTATUS, &iov) < 0)
		return -errno;
	if (ptrace(PTRACE_GETREGSET, tid, NT_ARM_SYSTEM_CALL, &iov_nr) < 0)
		return -errno;
	R(r)->nr = nr;
	R(r)->orig_x0 = R(r)->u.regs[0];
	return 0;
}

static int a64_set_regs(pid_t tid, const struct arch_regs *r)
{
	struct iovec iov = { (void *)&RC(r)->u, sizeof(RC(r)->u) };
	int nr = (int)RC(r)->nr;
	struct iovec iov_nr = { &nr, sizeof(nr) };

	if (ptrace(PTRACE_SETREGSET, tid, NT_ARM_SYSTEM_CALL, &iov_nr) < 0)
		return -errno;
	return ptrace(PTRACE_SETREGSET, tid, NT_PRSTATUS, &iov) < 0 ? -errno : 0;
}

static long a64_get_nr(const struct arch_regs *r)
{
	return RC(r)->nr;
}

static void a64_set_nr(struct arch_regs *r, long nr)
{
	R(r)->nr = nr;
}

static uint64_t a64_get_arg(const struct arch_regs *r, enum abi abi, int i)
{
	return RC(r)->u.regs[i];
}

static void a64_set_arg(struct arch_regs *r, enum abi abi, int i, uint64_t v)
{
	R(r)->u.regs[i] = v;
}

static void a64_set_ret(struct arch_regs *r, int64_t v)
{
	R(r)->u.regs[0] = (uint64_t)v;
}

static int64_t a64_get_ret(const struct arch_regs *r)
{
	return (int64_t)RC(r)->u.regs[0];
}

static uint64_t a64_get_ip(const struct arch_regs *r)
{
	return RC(r)->u.pc;
}

static void a64_set_ip(struct arch_regs *r, uint64_t ip)
{
	R(r)->u.pc = ip;
}

static uint64_t a64_get_sp(const struct arch_regs *r)
{
	return RC(r)->u.sp;
}

static void a64_prepare_inject(struct arch_regs *r, long nr)
{
	R(r)->u.regs[8] = (uint64_t)nr;
	R(r)->nr = -1;
}

static const uint8_t a64_syscall_insn[] = { 0x01, 0x00, 0x00, 0xd4 }; /* svc #0 */

static const struct arch_ops arch_aarch64 = {
	.name = "aarch64",
	.get_regs = a64_get_regs,
	.set_regs = a64_set_regs,
	.get_nr = a64_get_nr,
	.set_nr = a64_set_nr,
	.get_arg = a64_get_arg,
	.set_arg = a64_set_arg,
	.set_ret = a64_set_ret,
	.get_ret = a64_get_ret,
	.get_ip = a64_get_ip,
	.set_ip = a64_set_ip,
	.get_sp = a64_get_sp,
	.prepare_inject = a64_prepare_inject,
	.syscall_insn = a64_syscall_insn,
	.syscall_insn_len = 4,
};

const struct arch_ops *const arch_host = &arch_aarch64;
#endif /* __aarch64__ */
