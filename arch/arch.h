/*
 * Registers <-> {syscall nr, args[6], return value}, one implementation per
 * host ABI. A tracee's syscall ABI (x86_64, i386 compat, x32, aarch64) is
 * given by the AUDIT_ARCH of each stop, not by the tracee.
 */
#ifndef AGENTSH_ARCH_H
#define AGENTSH_ARCH_H

#include <stdint.h>
#include <sys/types.h>

enum abi {
	ABI_X86_64 = 0,
	ABI_I386,
	ABI_X32,
	ABI_AARCH64,
	ABI_COUNT,
	ABI_UNKNOWN = -1,
};

#define X32_SYSCALL_BIT 0x40000000u

/* A tracee's registers, as saved at a stop (opaque to callers). */
struct arch_regs {
	uint64_t raw[64];
};

struct arch_ops {
	const char *name;
	/* Reads / writes the general registers of a stopped thread. 0 or -errno. */
	int (*get_regs)(pid_t tid, struct arch_regs *r);
	int (*set_regs)(pid_t tid, const struct arch_regs *r);
	long (*get_nr)(const struct arch_regs *r);
	void (*set_nr)(struct arch_regs *r, long nr);
	uint64_t (*get_arg)(const struct arch_regs *r, enum abi abi, int i);
	void (*set_arg)(struct arch_regs *r, enum abi abi, int i, uint64_t v);
	void (*set_ret)(struct arch_regs *r, int64_t v);
	int64_t (*get_ret)(const struct arch_regs *r);
	uint64_t (*get_ip)(const struct arch_regs *r);
	void (*set_ip)(struct arch_regs *r, uint64_t ip);
	uint64_t (*get_sp)(const struct arch_regs *r);
	/* Sets up registers so the syscall instruction at IP runs `nr` with no
	 * syscall-restart fix-up of the interrupted call. */
	void (*prepare_inject)(struct arch_regs *r, long nr);
	/* The syscall instruction and its length, for injection. */
	const uint8_t *syscall_insn;
	int syscall_insn_len;
};

/* The host's register ops (x86_64 or aarch64). */
extern const struct arch_ops *const arch_host;

/* AUDIT_ARCH_* (from PTRACE_GET_SYSCALL_INFO) and nr -> ABI. */
enum abi arch_abi_from_audit(uint32_t audit_arch, long nr);
/* libseccomp's SCMP_ARCH_* token of an ABI. */
uint32_t arch_scmp_token(enum abi abi);
const char *arch_abi_name(enum abi abi);
/* Word size of the ABI in bytes (pointers, longs). */
int arch_abi_wordsize(enum abi abi);

#endif /* !AGENTSH_ARCH_H */
