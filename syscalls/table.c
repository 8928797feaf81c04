#include "compat.h"
#include "syscalls.h"
#include "policy/policy.h"

#include <fcntl.h>
#include <seccomp.h>

static const struct syscall_def defs[] = {
#define SC(n, cls, dec, dfd, p, dfd2, p2, fl, o, s)                                                \
	{ .name = #n, .class = cls, .decode = dec_##dec, .dirfd = dfd, .path = p, .dirfd2 = dfd2,  \
	  .path2 = p2, .flags = fl, .ops = o, .sf = s },
#include "syscalls.def"
#undef SC
};

/*
 * Rows libseccomp 2.5 cannot name (its tables end at futex_requeue, 456).
 * The calls of that age not listed here read or change only the caller
 * (statmount, listmount, lsm_get_self_attr, lsm_set_self_attr,
 * lsm_list_modules, mseal, getxattrat, listxattrat, file_getattr) and stay
 * untraced like their older kin.
 */
static const struct {
	const char *name;
	long nr;
} late[] = {
	{ "setxattrat", 463 },
	{ "removexattrat", 466 },
	{ "open_tree_attr", 467 },
	{ "file_setattr", 469 },
};

static const struct syscall_def unknown_def = {
	.name = "unknown_syscall", .class = TC_ALWAYS, .decode = dec_danger, .dirfd = -1,
	.path = -1, .dirfd2 = -1, .path2 = -1, .flags = -1,
};

#define NR_SLOTS 1024
static const struct syscall_def *by_nr[ABI_COUNT][NR_SLOTS];

const struct syscall_def *syscalls_by_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(defs); i++)
		if (strcmp(defs[i].name, name) == 0)
			return &defs[i];
	return NULL;
}

bool syscalls_open_filterable(const struct syscall_def *sc)
{
	return sc->decode == dec_open && sc->flags >= 0 && !(sc->sf & (SF_OPEN_HOW | SF_CREAT));
}

bool syscalls_open_read_only(const struct syscall_def *sc, const uint64_t args[6])
{
	return syscalls_open_filterable(sc) && !(args[sc->flags] & SYSCALLS_OPEN_WRITE_BITS);
}

const struct syscall_def *syscalls_table(size_t *n)
{
	*n = ARRAY_SIZE(defs);
	return defs;
}

/* Scans every number of every ABI, so aliases (i386's direct socket calls
 * next to socketcall) map to the same row. */
int syscalls_init(void)
{
	for (int abi = 0; abi < ABI_COUNT; abi++) {
		uint32_t tok = arch_scmp_token(abi);
		long base = abi == ABI_X32 ? X32_SYSCALL_BIT : 0;

		for (long nr = 0; nr < NR_SLOTS; nr++) {
			char *name = seccomp_syscall_resolve_num_arch(tok, (int)(base + nr));

			if (!name)
				continue;
			by_nr[abi][nr] = syscalls_by_name(name);
			free(name);
		}
		for (size_t i = 0; i < ARRAY_SIZE(late); i++)
			if (!by_nr[abi][late[i].nr])
				by_nr[abi][late[i].nr] = syscalls_by_name(late[i].name);
	}
	return 0;
}

long syscalls_late_nr(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(late); i++)
		if (strcmp(late[i].name, name) == 0)
			return late[i].nr;
	return -1;
}

bool syscalls_nr_unknown(enum abi abi, long nr)
{
	unsigned long n = (unsigned long)nr;

	if (abi == ABI_X32)
		n &= ~(unsigned long)X32_SYSCALL_BIT;
	return n >= SYSCALLS_FIRST_UNKNOWN && !(n >= SYSCALLS_X32_FIRST && n < SYSCALLS_X32_END);
}

const struct syscall_def *syscalls_lookup(enum abi abi, long nr)
{
	unsigned long n = (unsigned long)nr;

	if (abi < 0 || abi >= ABI_COUNT)
		return NULL;
	if (abi == ABI_X32)
		n &= ~(unsigned long)X32_SYSCALL_BIT;
	if (n < NR_SLOTS && by_nr[abi][n])
		return by_nr[abi][n];
	return syscalls_nr_unknown(abi, nr) ? &unknown_def : NULL;
}

int syscalls_decode(const struct syscall_def *sc, const struct sc_ctx *c, struct op *op)
{
	op->sc = sc;
	op->name = sc->name;
	return sc->decode(c, op);
}

void op_reset(struct op *op)
{
	if (op->argv) {
		for (int i = 0; i < op->argc; i++)
			free(op->argv[i]);
		free(op->argv);
	}
	/* Only the small header is cleared; path buffers are written before use. */
	memset(op, 0, offsetof(struct op, p1));
	op->p1.raw[0] = op->p1.path[0] = op->p2.raw[0] = op->p2.path[0] = 0;
	op->p1.pin[0] = op->p2.pin[0] = 0;
	op->p1.proc_fd_pid = op->p2.proc_fd_pid = 0;
	op->npaths = 0;
	op->ops = 0;
	op->open_flags = 0;
	op->open_how = false;
	op->argv = NULL;
	op->argc = 0;
	op->argv_bytes = 0;
	op->truncated = false;
	op->interp[0] = op->interp_arg[0] = op->loader[0] = 0;
	op->prog_known = false;
	op->family = 0;
	op->addr[0] = 0;
	op->domain[0] = 0;
	op->port = 0;
	op->abstract = false;
	op->net_op = NULL;
	op->sock_type = 0;
	op->msg_index = 0;
	op->sockaddr_ptr = 0;
	op->sockaddr_arg = -1;
	op->sa_len = 0;
	op->msg_ptr = 0;
	op->any_dest = false;
	op->sig = 0;
	op->target_pid = op->target_tid = 0;
	op->target_group = false;
	op->flags = op->arg1 = 0;
}
