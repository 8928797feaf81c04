/* Signals, process creation and the calls that could take a tracee out of sight. */
#include "compat.h"
#include "syscalls.h"
#include "mem.h"
#include "fs/resolve.h"
#include "policy/policy.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/sockios.h>
#include <linux/userfaultfd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/resource.h>

/* pidfd -> pid: a pidfd's fdinfo says "Pid:\t123" (-1 once it has exited);
 * the kernel also takes an fd of a /proc/PID directory. 0 when fd names
 * neither (EBADF natively). */
static pid_t pidfd_target(pid_t tgid, int fd)
{
	char p[64], line[256];
	pid_t pid = 0;
	bool found = false;
	ssize_t n;
	int end = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/fdinfo/%d", tgid, fd);
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "Pid: %d", &pid) == 1;
	fclose(f);
	if (found)
		return pid;
	snprintf(p, sizeof(p), "/proc/%d/fd/%d", tgid, fd);
	n = readlink(p, line, sizeof(line) - 1);
	if (n <= 0)
		return 0;
	line[n] = 0;
	return sscanf(line, "/proc/%d%n", &pid, &end) == 1 && !line[end] && pid > 0 ? pid : 0;
}

int dec_signal(const struct sc_ctx *c, struct op *op)
{
	const char *n = op->sc->name;

	op->kind = OP_SIGNAL;
	if (strcmp(n, "kill") == 0 || strcmp(n, "rt_sigqueueinfo") == 0) {
		op->target_pid = (pid_t)(int32_t)c->args[0];
		op->sig = (int)c->args[1];
		op->target_group = op->target_pid <= 0;
	} else if (strcmp(n, "tkill") == 0) {
		op->target_tid = (pid_t)(int32_t)c->args[0];
		op->sig = (int)c->args[1];
	} else if (strcmp(n, "pidfd_send_signal") == 0) {
		op->target_pid = pidfd_target(c->tgid, (int)c->args[0]);
		op->sig = (int)c->args[1];
		if (!op->target_pid) { /* no pidfd: the kernel's own answer */
			op->err_what = "pidfd";
			op->err = -EBADF;
			op->err_native = true;
		} else if (op->target_pid < 0) { /* a pidfd of a process that has exited */
			op->err_what = "pidfd";
			op->err = -ESRCH;
			op->err_native = true;
		}
	} else { /* tgkill, rt_tgsigqueueinfo */
		op->target_pid = (pid_t)(int32_t)c->args[0];
		op->target_tid = (pid_t)(int32_t)c->args[1];
		op->sig = (int)c->args[2];
	}
	if (op->sig == 0)
		op->kind = OP_NONE; /* existence probe: no signal is sent */
	return 0;
}

int dec_process(const struct sc_ctx *c, struct op *op)
{
	op->kind = OP_PROCESS;
	if (strcmp(op->sc->name, "clone") == 0)
		op->flags = c->args[0];
	return 0;
}

/* A stop the tracer wants for its own bookkeeping (TC_CREDS): nothing to judge. */
int dec_none(const struct sc_ctx *c, struct op *op)
{
	(void)c;
	op->kind = OP_NONE;
	return 0;
}

/* The process (> 0) or process group (< 0) an fd's SIGIO would go to, set
 * by fcntl F_SETOWN(_EX) or ioctl FIOSETOWN / SIOCSPGRP: target_pid, with
 * target_group for a group; 0 clears the owner. */
static void dec_owner(const struct sc_ctx *c, struct op *op)
{
	uint32_t cmd = (uint32_t)c->args[1];
	struct f_owner_ex ex;
	int pid;

	if (strcmp(op->sc->name, "ioctl") != 0) {
		if (cmd == F_SETOWN) {
			op->target_pid = (pid_t)(int)c->args[2];
		} else if (cmd == F_SETOWN_EX && mem_read(c->tid, c->args[2], &ex, sizeof(ex)) == 0) {
			op->target_pid = ex.type == F_OWNER_PGRP ? -ex.pid : ex.pid;
		} else if (cmd == F_SETOWN_EX) {
			op->err_what = "f_owner_ex";
			op->err = -EFAULT;
			op->err_native = true;
		}
	} else if (cmd == FIOSETOWN || cmd == SIOCSPGRP) {
		if (mem_read(c->tid, c->args[2], &pid, sizeof(pid)) == 0) {
			op->target_pid = pid;
		} else {
			op->err_what = "owner";
			op->err = -EFAULT;
			op->err_native = true;
		}
	}
	op->target_group = op->target_pid < 0;
}

/* ioprio_set's "which"; setpriority's are PRIO_PROCESS, PRIO_PGRP, PRIO_USER (0-2). */
#define IOPRIO_WHO_PROCESS_ 1

/*
 * Whose scheduling a call changes: target_tid for a thread or process (0:
 * the caller), target_group with target_pid 0 (the caller's group) or -pgid
 * for a process group, and target_pid -1 for every process of a user (or a
 * "which" the kernel will refuse): outside the tree, as group_relations()
 * counts it.
 */
static void dec_sched_target(const struct sc_ctx *c, struct op *op)
{
	const char *n = op->sc->name;
	bool io = strcmp(n, "ioprio_set") == 0;
	int which, who;

	if (strncmp(n, "sched_set", 9) == 0) {
		op->target_tid = (pid_t)(int32_t)c->args[0];
		return;
	}
	if (!io && strcmp(n, "setpriority") != 0)
		return;
	which = (int)c->args[0] - (io ? IOPRIO_WHO_PROCESS_ : PRIO_PROCESS);
	who = (int)c->args[1];
	if (which == 0) {
		op->target_tid = who;
	} else {
		op->target_group = true;
		op->target_pid = which == 1 && who >= 0 ? -who : -1;
	}
}

/* IPT_SO_SET_REPLACE and _ADD_COUNTERS (64, 65; IP6T_ the same at IPV6),
 * ARPT_ (96, 97), EBT_SO_SET_ENTRIES and _COUNTERS (128, 129). */
const struct sockopt_def syscalls_sockopts[SYSCALLS_SOCKOPTS] = {
	{ IPPROTO_IP, IP_HDRINCL, SOCKOPT_HDRINCL },
	{ IPPROTO_IPV6, IPV6_HDRINCL, SOCKOPT_HDRINCL },
	{ IPPROTO_IP, 64, SOCKOPT_PACKET_FILTER },
	{ IPPROTO_IP, 65, SOCKOPT_PACKET_FILTER },
	{ IPPROTO_IPV6, 64, SOCKOPT_PACKET_FILTER },
	{ IPPROTO_IPV6, 65, SOCKOPT_PACKET_FILTER },
	{ IPPROTO_IP, 96, SOCKOPT_PACKET_FILTER },
	{ IPPROTO_IP, 97, SOCKOPT_PACKET_FILTER },
	{ IPPROTO_IP, 128, SOCKOPT_PACKET_FILTER },
	{ IPPROTO_IP, 129, SOCKOPT_PACKET_FILTER },
};

enum sockopt_kind syscalls_sockopt_kind(uint64_t level, uint64_t optname)
{
	for (size_t i = 0; i < SYSCALLS_SOCKOPTS; i++)
		if ((int)level == syscalls_sockopts[i].level &&
		    (int)optname == syscalls_sockopts[i].optname)
			return syscalls_sockopts[i].kind;
	return SOCKOPT_OTHER;
}

int dec_danger(const struct sc_ctx *c, struct op *op)
{
	const struct syscall_def *sc = op->sc;

	op->kind = OP_DANGER;
	op->flags = c->args[0];
	op->arg1 = c->args[1];
	/* Arguments the kernel takes as int or unsigned int: only their 32
	 * bits mean anything (seccomp(SET_MODE_FILTER | 1 << 32, NEW_LISTENER)
	 * is a listener). */
	if (strcmp(sc->name, "prctl") == 0 || strcmp(sc->name, "personality") == 0)
		op->flags = (uint32_t)c->args[0];
	if (strcmp(sc->name, "seccomp") == 0 || strcmp(sc->name, "setns") == 0) {
		op->flags = (uint32_t)c->args[0];
		op->arg1 = (uint32_t)c->args[1];
	}
	if (strcmp(sc->name, "unknown_syscall") == 0)
		op->flags = (uint64_t)c->nr;
	if (strcmp(sc->name, "pidfd_getfd") == 0)
		op->target_pid = pidfd_target(c->tgid, (int)c->args[0]);
	if (strcmp(sc->name, "fcntl") == 0 || strcmp(sc->name, "fcntl64") == 0 ||
	    strcmp(sc->name, "ioctl") == 0)
		dec_owner(c, op);
	/* chattr: the attributes of the fd's file (immutable, append-only ...)
	 * change like its mode, whatever the fd was opened for. */
	if (strcmp(sc->name, "ioctl") == 0 &&
	    ((uint32_t)c->args[1] == FS_IOC_SETFLAGS || (uint32_t)c->args[1] == FS_IOC32_SETFLAGS ||
	     (uint32_t)c->args[1] == FS_IOC_FSSETXATTR))
		return syscalls_decode_fd_file(c, op, (int)(int32_t)c->args[0], FOP_CHMOD);
	/* /dev/userfaultfd's USERFAULTFD_IOC_NEW: the new fd's flags. */
	if (strcmp(sc->name, "ioctl") == 0 && (uint32_t)c->args[1] == USERFAULTFD_IOC_NEW)
		op->flags = c->args[2];
	dec_sched_target(c, op);
	/* i386's socketcall and the no-prefilter mode get every option here. */
	if (strcmp(sc->name, "setsockopt") == 0) {
		op->flags = syscalls_sockopt_kind(c->args[1], c->args[2]);
		if (op->flags == SOCKOPT_OTHER)
			op->kind = OP_NONE;
	}
	if (strcmp(sc->name, "prlimit64") == 0) {
		op->target_pid = (pid_t)c->args[0]; /* 0: the caller */
		op->arg1 = c->args[2];               /* the new limit, 0: only read */
	}
	if (strcmp(sc->name, "perf_event_open") == 0) {
		op->target_pid = (pid_t)c->args[1]; /* 0 self, -1 every process (of a cpu) */
		op->flags = c->args[4];
	}
	if (sc->path >= 0 && c->args[sc->path]) {
		ssize_t n = mem_read_str(c->tid, c->args[sc->path], op->p1.raw, sizeof(op->p1.raw));
		if (n >= 0 && fs_resolve_in(c->root, c->tid, c->tgid, -100, op->p1.raw, true, false,
					 op->p1.path, sizeof(op->p1.path)) == 0)
			op->npaths = 1;
	}
	return 0;
}

static uint64_t guard_base, guard_len;

void syscalls_set_guard(uint64_t base, uint64_t len)
{
	guard_base = base;
	guard_len = len;
}

static bool touches_guard(uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (!guard_len)
		return false;
	if (end < addr)
		return true;
	return addr < guard_base + guard_len && end > guard_base;
}

#ifndef MAP_FIXED
#define MAP_FIXED 0x10
#endif
#ifndef MREMAP_FIXED
#define MREMAP_FIXED 2
#endif

/* Memory calls are only an op when they would touch the scratch region. */
int dec_memguard(const struct sc_ctx *c, struct op *op)
{
	const char *n = op->sc->name;
	const uint64_t *a = c->args;
	bool hit;

	if (strcmp(n, "mmap") == 0)
		hit = (a[3] & MAP_FIXED) && touches_guard(a[0], a[1]);
	else if (strcmp(n, "mremap") == 0)
		hit = touches_guard(a[0], a[1]) ||
		      ((a[3] & MREMAP_FIXED) && touches_guard(a[4], a[2]));
	else if (strcmp(n, "shmat") == 0)
		hit = a[1] && touches_guard(a[1] & ~4095ull, 1ull << 40); /* size unknown */
	else
		hit = touches_guard(a[0] & ~4095ull, a[1] + (a[0] & 4095));
	if (!hit)
		return 0;
	op->kind = OP_DANGER;
	op->flags = a[0];
	op->arg1 = a[1];
	op->name = "scratch-tamper";
	return 0;
}
