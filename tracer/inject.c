/*
 * Running one syscall inside a stopped tracee: patch the syscall instruction
 * at its IP, single-step it, restore code and registers. Used at exec (the
 * scratch mapping), at attach (the prefilter) and to close an fd.
 */
#include "compat.h"
#include "tracer_int.h"
#include "log.h"
#include "syscalls/mem.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#define PTRACE_EVENT_STOP_ 128

/* Steps until the instruction has run. A step from inside a syscall (an exec
 * or interrupt stop) first finishes that call, which stores its own return
 * value over our registers: those are set again each time the instruction
 * has not run yet. A step over `syscall` reports at its exit. Signals that
 * arrive meanwhile are kept for later. */
static int step_over(pid_t tid, const struct arch_regs *want, uint64_t ip, uint64_t after,
		     struct tracee *tr)
{
	bool set = true;

	for (int i = 0; i < 8; i++) {
		struct arch_regs r;
		int status;

		if (set && arch_host->set_regs(tid, want) < 0)
			return -errno;
		if (ptrace(PTRACE_SINGLESTEP, tid, 0, 0) < 0)
			return -errno;
		if (waitpid(tid, &status, __WALL) < 0)
			return -errno;
		if (WIFEXITED(status) || WIFSIGNALED(status))
			return -ESRCH;
		/* Our own prefilter stops an injected call it traces (socket):
		 * the call has not run yet; step on without touching it. */
		if ((status >> 16) == PTRACE_EVENT_SECCOMP) {
			set = false;
			continue;
		}
		int sig = WSTOPSIG(status);
		if (sig != SIGTRAP && (status >> 16) == 0 && tr && !tr->pending_resume_sig)
			tr->pending_resume_sig = sig;
		if (arch_host->get_regs(tid, &r) < 0)
			return -errno;
		if (arch_host->get_ip(&r) == after)
			return 0;
		if (arch_host->get_ip(&r) != ip)
			return -EIO;
		set = true; /* still before the instruction: registers again */
	}
	return -ETIMEDOUT;
}

int64_t tracer_inject_syscall(struct tracee *tr, long nr, const uint64_t args[6])
{
	const struct arch_ops *a = arch_host;
	struct arch_regs saved, r;
	uint8_t code[8], patched[8];
	uint64_t ip;
	int64_t ret;
	int err;

	err = a->get_regs(tr->tid, &saved);
	if (err)
		return err;
	ip = a->get_ip(&saved);
	err = mem_read(tr->tid, ip, code, (size_t)a->syscall_insn_len);
	if (err)
		return err;
	memcpy(patched, code, sizeof(code));
	memcpy(patched, a->syscall_insn, (size_t)a->syscall_insn_len);
	err = mem_write(tr->tid, ip, patched, (size_t)a->syscall_insn_len);
	if (err)
		return err;
	r = saved;
	a->prepare_inject(&r, nr);
	for (int i = 0; i < 6; i++)
		a->set_arg(&r, ABI_X86_64, i, args[i]);
	err = step_over(tr->tid, &r, ip, ip + (uint64_t)a->syscall_insn_len, tr);
	ret = err;
	if (!err && a->get_regs(tr->tid, &r) == 0)
		ret = a->get_ret(&r);
	/* Put everything back whatever happened. */
	if (mem_write(tr->tid, ip, code, (size_t)a->syscall_insn_len) < 0 ||
	    a->set_regs(tr->tid, &saved) < 0)
		log_warn("cannot restore tracee %d after injection", tr->tid);
	return ret;
}

#ifdef __x86_64__
/*
 * The cheaper form for a tracee at its exec stop: patch
 * `mov eax, nr; syscall; int3` at IP and let it run to the int3, one stop
 * instead of two single-steps. The code sets rax itself, so the return value
 * execve stores over the registers does not matter.
 */
int64_t tracer_inject_syscall_trap(struct tracee *tr, long nr, const uint64_t args[6])
{
	const struct arch_ops *a = arch_host;
	uint8_t code[8], patched[8] = { 0xb8, 0, 0, 0, 0, 0x0f, 0x05, 0xcc };
	struct arch_regs saved, r;
	uint32_t nr32 = (uint32_t)nr;
	int64_t ret = -ETIMEDOUT;
	uint64_t ip;
	int err;

	err = a->get_regs(tr->tid, &saved);
	if (err)
		return err;
	ip = a->get_ip(&saved);
	memcpy(patched + 1, &nr32, 4);
	err = mem_read(tr->tid, ip, code, sizeof(code));
	if (!err)
		err = mem_write(tr->tid, ip, patched, sizeof(patched));
	if (err)
		return err;
	r = saved;
	for (int i = 0; i < 6; i++)
		a->set_arg(&r, ABI_X86_64, i, args[i]);
	err = a->set_regs(tr->tid, &r);
	for (int i = 0; !err && i < 16; i++) {
		int status;

		if (ptrace(PTRACE_CONT, tr->tid, 0, 0) < 0 ||
		    waitpid(tr->tid, &status, __WALL) < 0) {
			err = -errno;
			break;
		}
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			err = -ESRCH;
			break;
		}
		if (WSTOPSIG(status) == SIGTRAP && (status >> 16) == 0 &&
		    a->get_regs(tr->tid, &r) == 0 && a->get_ip(&r) == ip + sizeof(patched)) {
			ret = a->get_ret(&r);
			break;
		}
		/* Another signal meanwhile: keep it for after. */
		if ((status >> 16) == 0 && WSTOPSIG(status) != SIGTRAP && !tr->pending_resume_sig)
			tr->pending_resume_sig = WSTOPSIG(status);
	}
	if (err)
		ret = err;
	a->set_ret(&saved, 0); /* what execve returns */
	if (mem_write(tr->tid, ip, code, sizeof(code)) < 0 || a->set_regs(tr->tid, &saved) < 0)
		log_warn("cannot restore tracee %d after injection", tr->tid);
	return ret;
}
#else
int64_t tracer_inject_syscall_trap(struct tracee *tr, long nr, const uint64_t args[6])
{
	return tracer_inject_syscall(tr, nr, args);
}
#endif
