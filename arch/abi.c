#include "compat.h"
#include "arch.h"

#include <linux/audit.h>
#include <seccomp.h>

static const struct {
	const char *name;
	uint32_t scmp;
	int wordsize;
} abis[ABI_COUNT] = {
	[ABI_X86_64] = { "x86_64", SCMP_ARCH_X86_64, 8 },
	[ABI_I386] = { "i386", SCMP_ARCH_X86, 4 },
	[ABI_X32] = { "x32", SCMP_ARCH_X32, 4 },
	[ABI_AARCH64] = { "aarch64", SCMP_ARCH_AARCH64, 8 },
};

enum abi arch_abi_from_audit(uint32_t audit_arch, long nr)
{
	switch (audit_arch) {
	case AUDIT_ARCH_X86_64:
		return ((unsigned long)nr & X32_SYSCALL_BIT) ? ABI_X32 : ABI_X86_64;
	case AUDIT_ARCH_I386:
		return ABI_I386;
	case AUDIT_ARCH_AARCH64:
		return ABI_AARCH64;
	default:
		return ABI_UNKNOWN;
	}
}

uint32_t arch_scmp_token(enum abi abi)
{
	return abi >= 0 && abi < ABI_COUNT ? abis[abi].scmp : 0;
}

const char *arch_abi_name(enum abi abi)
{
	return abi >= 0 && abi < ABI_COUNT ? abis[abi].name : "unknown";
}

int arch_abi_wordsize(enum abi abi)
{
	return abi >= 0 && abi < ABI_COUNT ? abis[abi].wordsize : 8;
}
