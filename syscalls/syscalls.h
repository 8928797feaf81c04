/* The syscall semantics table and the decoders that turn a stop into a struct op. */
#ifndef AGENTSH_SYSCALLS_H
#define AGENTSH_SYSCALLS_H

#include "arch/arch.h"
#include "op.h"

#include <fcntl.h>

/* Which sandbox.ptrace.trace.* switch enables a syscall. */
enum trace_class { TC_EXEC = 1, TC_FILE = 2, TC_NET = 4, TC_SIGNAL = 8, TC_ALWAYS = 16, TC_CREDS = 32 };

enum syscall_flags {
	SF_NOFOLLOW = 1 << 0,     /* the final component is not followed */
	SF_AT_FLAGS = 1 << 1,     /* flags arg may hold AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH */
	SF_AT_REMOVEDIR = 1 << 2, /* unlinkat: AT_REMOVEDIR makes it rmdir */
	SF_AT_FOLLOW = 1 << 3,    /* linkat: AT_SYMLINK_FOLLOW */
	SF_OPEN_HOW = 1 << 4,     /* openat2: flags in struct open_how */
	SF_CREAT = 1 << 5,        /* creat(): O_CREAT|O_WRONLY|O_TRUNC */
	SF_THREAD = 1 << 6,       /* signal aimed at a thread */
	SF_ARG_FILTER = 1 << 7,   /* only some argument values are traced (prctl) */
	SF_MEM_GUARD = 1 << 8,    /* traced only near the scratch window */
	SF_CREDS = 1 << 9,        /* may change the caller's credentials */
};

/* What a decoder may read of the stopped tracee. */
struct sc_ctx {
	pid_t tid;  /* the thread that made the call */
	pid_t tgid; /* its process */
	enum abi abi;
	long nr; /* as the stop gave it (an unknown call's event names it) */
	uint64_t args[6];
	const char *root; /* the tracee's root hint (fs_resolve_in), NULL unknown */
	bool dircache;    /* opens will be pinned with RESOLVE_NO_SYMLINKS: FS_CACHED */
};

typedef int (*sc_decoder)(const struct sc_ctx *c, struct op *op);

struct syscall_def {
	const char *name;
	enum trace_class class;
	sc_decoder decode;
	int8_t dirfd, path, dirfd2, path2, flags;
	unsigned ops;
	unsigned sf;
};

/* The guard window decoders check (set by the tracer). */
void syscalls_set_guard(uint64_t base, uint64_t len);

/* Fills the per-ABI number tables from libseccomp. Call once. 0 or -errno. */
int syscalls_init(void);
/* The semantics of syscall `nr` in `abi`, NULL when we do not decode it
 * (a number past every call we know gets the "unknown_syscall" row). */
const struct syscall_def *syscalls_lookup(enum abi abi, long nr);

/* ext4's and xfs's shutdown ioctl (EXT4_IOC_SHUTDOWN, XFS_IOC_GOINGDOWN:
 * _IOR('X', 125, __u32)), in no uapi header of its own. With FIFREEZE,
 * FITHAW and FS_IOC_SETFSLABEL, an ioctl that acts on the whole file system
 * under any fd of it: the machine's, not the session's (deny-ioctl). */
#define AGENTSH_FS_IOC_SHUTDOWN 0x8004587dU

/* The first number past every call this table knows of (file_setattr is
 * 469, Linux 6.17). From here on, what a call does is unknown: it is decided
 * (under a policy denied with ENOSYS, an older kernel's answer). x32's own
 * calls, 512-547, are known. */
#define SYSCALLS_FIRST_UNKNOWN 470
#define SYSCALLS_X32_FIRST 512
#define SYSCALLS_X32_END 548
bool syscalls_nr_unknown(enum abi abi, long nr);
/* A row's number when libseccomp has no name for it (calls newer than its
 * tables: one number on every ABI since 424, x32 adds its bit); -1 else. */
long syscalls_late_nr(const char *name);
const struct syscall_def *syscalls_by_name(const char *name);
struct stat;
/* Whether st is one of the system's own dynamic loaders (ld-linux, ld-musl). */
bool syscalls_system_loader(const struct stat *st);
/* Iterates every row (for the prefilter). */
const struct syscall_def *syscalls_table(size_t *n);
/* The file fd names, changed by ops (fchmod ...): OP_FILE on its path, or
 * OP_NONE when fd names no file. */
int syscalls_decode_fd_file(const struct sc_ctx *c, struct op *op, int fd, unsigned ops);
/* The setsockopt options that are decided: those that make a raw socket
 * write its own IP header, and those that replace a table of the host's
 * packet filter (iptables, ip6tables, arptables, ebtables). */
enum sockopt_kind { SOCKOPT_OTHER, SOCKOPT_HDRINCL, SOCKOPT_PACKET_FILTER };
#define SYSCALLS_SOCKOPTS 10
extern const struct sockopt_def {
	int level, optname;
	enum sockopt_kind kind;
} syscalls_sockopts[SYSCALLS_SOCKOPTS];
enum sockopt_kind syscalls_sockopt_kind(uint64_t level, uint64_t optname);
/* A unix socket's path name (op->p1.raw) resolved in the caller's root and
 * cwd into op->p1.path, as the kernel will look it up; an error is noted in
 * op->err (the kernel fails the call too). Abstract names are left as they are. */
void syscalls_unix_resolve(const char *root, pid_t tid, pid_t tgid, struct op *op);
/* Decodes the call into op (op->kind OP_NONE when there is nothing to judge). */
int syscalls_decode(const struct syscall_def *sc, const struct sc_ctx *c, struct op *op);

/* The open flags the kernel knows: open(2) ignores other bits, openat2
 * refuses them (fs/open.c build_open_flags). */
#define SYSCALLS_OPEN_FLAGS                                                                        \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |     \
	 O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |     \
	 O_PATH | O_SYNC | O_TMPFILE)

/* The open flags that make an open more than a read (compat.md §1: write,
 * create; 020000000 is __O_TMPFILE). Same values on every ABI we decode. */
#define SYSCALLS_OPEN_WRITE_BITS (O_WRONLY | O_RDWR | O_APPEND | O_TRUNC | O_CREAT | 020000000)
/* open/openat without any of them: an open whose ops are FOP_OPEN|FOP_READ
 * whatever the path (performance.arg_level_filter). Its flags are a plain
 * argument, so a seccomp filter can tell it too; openat2 and creat cannot be. */
bool syscalls_open_read_only(const struct syscall_def *sc, const uint64_t args[6]);
/* Whether sc's read-only calls can be told by a filter (open, openat). */
bool syscalls_open_filterable(const struct syscall_def *sc);

#define X_DECODERS(X)                                                                              \
	X(exec) X(open) X(path) X(by_handle) X(socket) X(sockaddr) X(listen) X(sendto) X(sendmsg)  \
	X(sendmmsg) X(socketcall) X(signal) X(process) X(danger) X(memguard) X(none) X(utimens)   \
	X(fdfile)
#define X(d) int dec_##d(const struct sc_ctx *c, struct op *op);
X_DECODERS(X)
#undef X

#endif /* !AGENTSH_SYSCALLS_H */
