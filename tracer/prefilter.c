/*
 * The seccomp-BPF prefilter: SECCOMP_RET_TRACE for the syscalls the enabled
 * trace.* classes need, ALLOW for the rest. Every ABI we decode is in the
 * filter; any other ABI kills the process (nothing runs unsupervised
 * because it used another ABI).
 */
#include "compat.h"
#include "tracer.h"
#include "log.h"
#include "syscalls/syscalls.h"
#include "scratch.h"

#include <sys/mman.h>
#include <linux/sched.h>

#include <seccomp.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/fs.h>
#include <linux/userfaultfd.h>
#include <linux/seccomp.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

struct prefilter {
	scmp_filter_ctx ctx;
	struct sock_fprog prog; /* ctx as raw BPF, for the child */
};

bool tracer_traces_class(const struct tracer_opts *o, int c)
{
	switch (c) {
	case TC_EXEC:
		return o->trace_execve;
	case TC_FILE:
		return o->trace_file;
	case TC_NET:
		return o->trace_network;
	case TC_SIGNAL:
		return o->trace_signal;
	case TC_CREDS:
		return o->trace_creds;
	default:
		return true;
	}
}

int prefilter_add_abis(void *scmp_ctx)
{
	static const uint32_t extra[] =
#ifdef __x86_64__
		{ SCMP_ARCH_X86, SCMP_ARCH_X32 };
#else
		{ 0 };
#endif
	for (size_t i = 0; i < ARRAY_SIZE(extra); i++) {
		int r;

		if (!extra[i])
			continue;
		r = seccomp_arch_add(scmp_ctx, extra[i]);
		if (r && r != -EEXIST)
			return r;
	}
	return 0;
}

int prefilter_add_open(void *scmp_ctx, uint32_t action, const struct syscall_def *sc, int nr,
		       bool static_read)
{
	unsigned bits = SYSCALLS_OPEN_WRITE_BITS;
	int r = 0;

	if (!static_read || !syscalls_open_filterable(sc))
		return seccomp_rule_add(scmp_ctx, action, nr, 0);
	/* One rule per bit: libseccomp compares masked values for equality. */
	while (!r && bits) {
		unsigned bit = bits & -bits;

		r = seccomp_rule_add(scmp_ctx, action, nr, 1,
				     (struct scmp_arg_cmp){ (unsigned)sc->flags, SCMP_CMP_MASKED_EQ,
							    bit, bit });
		bits &= bits - 1;
	}
	return r;
}

/* A send on a connected socket (no address) has nothing to decide. */
static int add_sendto(scmp_filter_ctx ctx, int nr)
{
	return seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A4(SCMP_CMP_NE, 0, 0));
}

/* prlimit64 is only worth a stop when it changes another pid's limits. */
static int add_prlimit(scmp_filter_ctx ctx, int nr)
{
	return seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 2, SCMP_A0(SCMP_CMP_NE, 0, 0),
				SCMP_A2(SCMP_CMP_NE, 0, 0));
}

/* Scheduling calls stop only when aimed at another thread, a group or a
 * user: a pid argument that is not 0; setpriority and ioprio_set also when
 * "which" is not the process one (1 for ioprio_set, PRIO_PROCESS 0). */
static int sched_which(const char *name)
{
	if (strcmp(name, "setpriority") == 0)
		return PRIO_PROCESS;
	return strcmp(name, "ioprio_set") == 0 ? 1 : -1;
}

static bool is_sched(const char *name)
{
	return sched_which(name) >= 0 || strncmp(name, "sched_set", 9) == 0;
}

static int add_sched(scmp_filter_ctx ctx, const char *name, int nr)
{
	int which = sched_which(name);
	int r;

	if (which < 0)
		return seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A0(SCMP_CMP_NE, 0, 0));
	r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A0(SCMP_CMP_NE, (uint64_t)which, 0));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A1(SCMP_CMP_NE, 0, 0));
	return r;
}

/* ioctl stops only for the commands that type into a terminal, set an
 * fd's SIGIO owner, make a userfaultfd (/dev/userfaultfd), change a file's
 * attributes (chattr) or act on a whole file system (freeze, relabel, shut
 * down: syscalls/syscalls.h); fcntl only for
 * F_SETOWN(_EX). The kernel reads cmd as 32 bits: only those are compared. */
static const uint64_t ioctl_cmds[] = { TIOCSTI,	    TIOCLINUX,		FIOSETOWN,
					SIOCSPGRP,	    USERFAULTFD_IOC_NEW, FS_IOC_SETFLAGS,
					FS_IOC32_SETFLAGS, FS_IOC_FSSETXATTR,	FIFREEZE,
					FITHAW,		    FS_IOC_SETFSLABEL,	AGENTSH_FS_IOC_SHUTDOWN };
static const uint64_t fcntl_cmds[] = { F_SETOWN, F_SETOWN_EX };

static int add_cmds(scmp_filter_ctx ctx, int nr, const uint64_t *cmds, size_t n)
{
	int r = 0;

	for (size_t i = 0; !r && i < n; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, cmds[i]));
	return r;
}


static bool has_cmd(const uint64_t *cmds, size_t n, uint32_t cmd)
{
	for (size_t i = 0; i < n; i++)
		if (cmds[i] == cmd)
			return true;
	return false;
}

/* setsockopt stops only for the options decided (syscalls_sockopts). */
static int add_setsockopt(scmp_filter_ctx ctx, int nr)
{
	int r = 0;

	for (size_t i = 0; !r && i < SYSCALLS_SOCKOPTS; i++)
		r = seccomp_rule_add(
			ctx, SCMP_ACT_TRACE(0), nr, 2,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint64_t)syscalls_sockopts[i].level),
			SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffu, (uint64_t)syscalls_sockopts[i].optname));
	return r;
}

/* prctl is only worth a stop for the options that touch tracing. */
static int add_prctl(scmp_filter_ctx ctx, int nr)
{
	static const uint64_t opts[] = { PR_SET_SECCOMP, PR_SET_PTRACER, PR_SET_DUMPABLE };

	for (size_t i = 0; i < ARRAY_SIZE(opts); i++) {
		/* option is an int: the kernel ignores the upper 32 bits */
		int r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
					 SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, opts[i]));
		if (r)
			return r;
	}
	return 0;
}

/* Memory calls stop only near the scratch window (see scratch.h): an address
 * in the window, or a length that could reach it from below. */
static int add_memguard(scmp_filter_ctx ctx, const char *name, int nr)
{
	const scmp_datum_t win = SCRATCH_WINDOW, mask = SCRATCH_WINDOW_MASK;
	const scmp_datum_t big = SCRATCH_GUARD_LEN;
	int r = 0;

	if (strcmp(name, "shmat") == 0)
		return seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A1(SCMP_CMP_NE, 0, 0));
	if (strcmp(name, "mmap") == 0) {
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 2,
				     SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED, MAP_FIXED),
				     SCMP_A0(SCMP_CMP_MASKED_EQ, mask, win));
		if (!r)
			r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 2,
					     SCMP_A3(SCMP_CMP_MASKED_EQ, MAP_FIXED, MAP_FIXED),
					     SCMP_A1(SCMP_CMP_GE, big, 0));
		return r;
	}
	r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, mask, win));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A1(SCMP_CMP_GE, big, 0));
	if (!r && strcmp(name, "mremap") == 0) {
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1, SCMP_A2(SCMP_CMP_GE, big, 0));
		if (!r)
			r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
					     SCMP_A4(SCMP_CMP_MASKED_EQ, mask, win));
	}
	return r;
}

/*
 * Process creation. The fork event reports every new process, and the
 * tracee count is checked there (tracer/loop.c), so fork and vfork cost no
 * stop. clone stops only for what must be seen before it runs: new threads
 * (a thread beyond max_tracees cannot be taken back: killing it would kill
 * its process) and CLONE_UNTRACED (stripped). clone3 keeps its flags in
 * memory a filter cannot read and another thread could rewrite: ENOSYS,
 * and libc falls back to clone.
 */
static int add_process(scmp_filter_ctx ctx, const char *name, int nr)
{
	int r;

	if (strcmp(name, "clone3") == 0)
		return seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	if (strcmp(name, "clone") != 0)
		return 0;
	r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
			     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, CLONE_UNTRACED));
	/* a new mount or user namespace: refused like unshare's */
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWNS, CLONE_NEWNS));
	if (!r)
		r = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	return r;
}

/* What the argument filters above let through to the tracer, for a stop
 * made without them (no prefilter): the same calls are decided, no more. */
bool prefilter_traces_args(const struct syscall_def *sc, const uint64_t args[6])
{
	if (strcmp(sc->name, "ioctl") == 0)
		return has_cmd(ioctl_cmds, ARRAY_SIZE(ioctl_cmds), (uint32_t)args[1]);
	if (strncmp(sc->name, "fcntl", 5) == 0)
		return has_cmd(fcntl_cmds, ARRAY_SIZE(fcntl_cmds), (uint32_t)args[1]);
	if (strcmp(sc->name, "prctl") == 0)
		return (int)args[0] == PR_SET_SECCOMP || (int)args[0] == PR_SET_PTRACER ||
		       (int)args[0] == PR_SET_DUMPABLE;
	if (strcmp(sc->name, "prlimit64") == 0)
		return args[0] && args[2];
	if (strcmp(sc->name, "setsockopt") == 0)
		return syscalls_sockopt_kind(args[1], args[2]) != SOCKOPT_OTHER;
	if (is_sched(sc->name)) {
		int which = sched_which(sc->name);

		return which < 0 ? args[0] != 0 : args[0] != (uint64_t)which || args[1] != 0;
	}
	return true;
}

/*
 * libseccomp 2.5 can neither name calls newer than its tables nor add a rule
 * by number to a filter of several ABIs, so this block runs first: it stops
 * the rows of syscalls.def it cannot name (syscalls_late_nr) and every
 * number past the last call we know (syscalls_nr_unknown), and falls through
 * to libseccomp's program for the rest. x32 numbers are compared without
 * their bit. Returns the number of instructions written to out.
 */
#define LATE_MAX 32

static size_t late_block(const struct tracer_opts *o, struct sock_filter *out)
{
	static const uint32_t arches[] =
#ifdef __x86_64__
		{ AUDIT_ARCH_X86_64, AUDIT_ARCH_I386 };
#else
		{ AUDIT_ARCH_AARCH64 };
#endif
	uint32_t nrs[LATE_MAX];
	size_t nn = 0, i = 0, n_arch = ARRAY_SIZE(arches), tail;
	const struct syscall_def *defs;
	size_t ndefs;

	defs = syscalls_table(&ndefs);
	for (size_t k = 0; k < ndefs && nn < LATE_MAX; k++) {
		long nr = syscalls_late_nr(defs[k].name);

		if (nr >= 0 && tracer_traces_class(o, defs[k].class) &&
		    seccomp_syscall_resolve_name(defs[k].name) == __NR_SCMP_ERROR)
			nrs[nn++] = (uint32_t)nr;
	}
	/* After the number is loaded: nn compares, the unknown range (3), the
	 * stop; then the end (libseccomp's program). */
	tail = nn + 3 + 1;
	out[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						offsetof(struct seccomp_data, arch));
	/* Per arch: jeq arch -> its load below (past the other compares, the
	 * jump and the loads before it). */
	for (size_t a = 0; a < n_arch; a++)
		out[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arches[a],
							(uint8_t)(n_arch + 2 * a), 0);
	/* No arch of ours: libseccomp's program decides (it kills). */
	out[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA | BPF_K,
						(uint32_t)(3 * n_arch + tail), 0, 0);
	for (size_t a = 0; a < n_arch; a++) {
		out[i++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
							offsetof(struct seccomp_data, nr));
		out[i++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K,
							arches[a] == AUDIT_ARCH_X86_64 ?
								~X32_SYSCALL_BIT :
								0xffffffffu);
		out[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA | BPF_K,
							(uint32_t)(3 * (n_arch - 1 - a)), 0, 0);
	}
	for (size_t k = 0; k < nn; k++) /* jeq nr -> stop */
		out[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nrs[k],
							(uint8_t)(nn - k - 1 + 3), 0);
	out[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SYSCALLS_FIRST_UNKNOWN, 0,
						3); /* below: to the end */
	out[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SYSCALLS_X32_FIRST, 0,
						1); /* 470..511: stop */
	out[i++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SYSCALLS_X32_END, 0,
						1); /* x32's own: to the end */
	out[i++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE);
	return i;
}

/* pf->prog = the late block + libseccomp's program. */
static int prefilter_compose(const struct tracer_opts *o, struct prefilter *pf)
{
	struct sock_filter head[4 + 3 * 2 + LATE_MAX + 4];
	struct sock_fprog body;
	size_t nh;
	int r = prefilter_export_prog(pf->ctx, &body);

	if (r)
		return r;
	nh = late_block(o, head);
	if (nh + body.len > BPF_MAXINSNS) {
		free(body.filter);
		return -E2BIG;
	}
	pf->prog.filter = malloc((nh + body.len) * sizeof(head[0]));
	if (!pf->prog.filter) {
		free(body.filter);
		return -ENOMEM;
	}
	memcpy(pf->prog.filter, head, nh * sizeof(head[0]));
	memcpy(pf->prog.filter + nh, body.filter, body.len * sizeof(head[0]));
	pf->prog.len = (unsigned short)(nh + body.len);
	free(body.filter);
	return 0;
}

int prefilter_build(const struct tracer_opts *o, struct prefilter **out)
{
	struct prefilter *pf = calloc(1, sizeof(*pf));
	const struct syscall_def *defs;
	size_t n;
	int r;

	if (!pf)
		return -ENOMEM;
	pf->ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!pf->ctx) {
		free(pf);
		return -ENOMEM;
	}
	r = seccomp_attr_set(pf->ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (!r)
		r = seccomp_attr_set(pf->ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (!r)
		r = prefilter_add_abis(pf->ctx);
	defs = syscalls_table(&n);
	for (size_t i = 0; !r && i < n; i++) {
		int nr = seccomp_syscall_resolve_name(defs[i].name);

		if (nr == __NR_SCMP_ERROR || !tracer_traces_class(o, defs[i].class))
			continue;
		if (defs[i].sf & SF_ARG_FILTER && strcmp(defs[i].name, "ioctl") == 0)
			r = add_cmds(pf->ctx, nr, ioctl_cmds, ARRAY_SIZE(ioctl_cmds));
		else if (defs[i].sf & SF_ARG_FILTER && strncmp(defs[i].name, "fcntl", 5) == 0)
			r = add_cmds(pf->ctx, nr, fcntl_cmds, ARRAY_SIZE(fcntl_cmds));
		else if (defs[i].sf & SF_ARG_FILTER && strcmp(defs[i].name, "setsockopt") == 0)
			r = add_setsockopt(pf->ctx, nr);
		else if (defs[i].sf & SF_ARG_FILTER)
			r = add_prctl(pf->ctx, nr);
		else if (defs[i].decode == dec_process)
			r = add_process(pf->ctx, defs[i].name, nr);
		else if (defs[i].sf & SF_MEM_GUARD)
			r = add_memguard(pf->ctx, defs[i].name, nr);
		else if (defs[i].decode == dec_open)
			r = prefilter_add_open(pf->ctx, SCMP_ACT_TRACE(0), &defs[i], nr,
					       o->static_read_open);
		else if (defs[i].decode == dec_sendto)
			r = add_sendto(pf->ctx, nr);
		else if (strcmp(defs[i].name, "prlimit64") == 0)
			r = add_prlimit(pf->ctx, nr);
		else if (is_sched(defs[i].name))
			r = add_sched(pf->ctx, defs[i].name, nr);
		else
			r = seccomp_rule_add(pf->ctx, SCMP_ACT_TRACE(0), nr, 0);
		if (r == -EDOM || r == -EFAULT)
			r = 0; /* not on this ABI */
	}
	if (!r)
		r = prefilter_compose(o, pf);
	if (r) {
		prefilter_free(pf);
		return log_errno(r, "cannot build the seccomp prefilter");
	}
	*out = pf;
	return 0;
}

int prefilter_export_prog(void *scmp_ctx, struct sock_fprog *prog)
{
	int fd = memfd_create("agentsh-bpf", MFD_CLOEXEC);
	struct stat st;
	void *buf = NULL;
	int r;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(scmp_ctx, fd);
	if (!r && fstat(fd, &st) < 0)
		r = -errno;
	if (!r && (!(buf = malloc((size_t)st.st_size)) ||
		   pread(fd, buf, (size_t)st.st_size, 0) != st.st_size))
		r = -EIO;
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	prog->filter = buf;
	prog->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
	return 0;
}

/* Called in the child, after fork, before exec: one syscall (a seccomp_load
 * there would build the program, allocating, in a child of a process that
 * may have other threads: a lock one of them held stays held). */
int prefilter_load(struct prefilter *pf)
{
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &pf->prog) < 0 ? -errno : 0;
}

void prefilter_free(struct prefilter *pf)
{
	if (!pf)
		return;
	seccomp_release(pf->ctx);
	free(pf->prog.filter);
	free(pf);
}

/* Writes the filter as raw BPF (struct sock_filter[]) to fd, for injection. */
int prefilter_export(struct prefilter *pf, int fd)
{
	size_t len = pf->prog.len * sizeof(pf->prog.filter[0]);

	return write(fd, pf->prog.filter, len) == (ssize_t)len ? 0 : -EIO;
}
