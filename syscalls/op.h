/* A decoded operation: what a syscall means, independent of ABI and backend. */
#ifndef AGENTSH_OP_H
#define AGENTSH_OP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct syscall_def;

enum op_kind {
	OP_NONE = 0, /* nothing to decide: continue */
	OP_EXEC,
	OP_FILE,
	OP_NET,
	OP_UNIX,
	OP_SIGNAL,
	OP_SOCKET,  /* socket(): family check */
	OP_PROCESS, /* fork/clone: tracee accounting */
	OP_DANGER,  /* calls denied unless the policy allows them */
};

#define OP_MAX_ARGC 1000
#define OP_MAX_ARGV_BYTES 65536
#define OP_ADDR_LEN 64

struct op_path {
	char raw[PATH_MAX];  /* as the tracee wrote it */
	char path[PATH_MAX]; /* absolute, canonical (symlinks resolved as the call would) */
	/* What the call is pinned with when it is not path: path's directory with
	 * the raw final "/", "/." or "/.." kept for the kernel (fs_resolve_ex). */
	char pin[PATH_MAX];
	bool follow;         /* the call follows a final symlink */
	int dirfd;           /* the call's dirfd (AT_FDCWD when none) */
	pid_t proc_fd_pid;   /* reached through /proc/PID/fd/N of this process (0: no) */
};

static inline const char *op_path_pin(const struct op_path *p)
{
	return p->pin[0] ? p->pin : p->path;
}

struct op {
	enum op_kind kind;
	const struct syscall_def *sc;
	const char *name; /* syscall name */
	/* Decode failure (-EFAULT, -ENAMETOOLONG ...): the op cannot be judged,
	 * and enforcement fails closed. */
	int err;
	const char *err_what; /* which argument failed */
	bool err_native;      /* err is what the kernel itself would return (a path
			       * that cannot resolve): the call fails with it */

	/* OP_FILE, OP_EXEC, OP_UNIX (path sockets), OP_DANGER (chroot ...) */
	struct op_path p1, p2;
	int npaths;
	unsigned ops;      /* FOP_* bits */
	int open_flags;    /* open family: the flags given */
	bool open_how;     /* openat2: flags came from struct open_how */

	/* OP_EXEC */
	char **argv; /* argc strings, owned by the op (op_reset frees) */
	int argc;
	size_t argv_bytes;
	bool truncated;
	/* A "#!" script: the interpreter the kernel will run (canonical, "" for
	 * none) and its one optional argument. */
	char interp[PATH_MAX];
	char interp_arg[256];
	/* An ELF program's (or interpreter's) PT_INTERP when it is not the
	 * system's loader: the code the kernel starts (canonical, "" none). */
	char loader[PATH_MAX];
	/* The file the kernel will run (the script's interpreter), by identity,
	 * as read when the exec was decoded. */
	bool prog_known;
	dev_t prog_dev;
	ino_t prog_ino;

	/* OP_NET / OP_UNIX / OP_SOCKET */
	int family;
	char addr[OP_ADDR_LEN]; /* textual IP (IPv4-mapped given as IPv4) */
	char domain[256];       /* the name the DNS proxy resolved to addr, "" unknown */
	int port;
	bool abstract;          /* OP_UNIX: abstract name ("@name" in p1.path) */
	const char *net_op;     /* "connect", "bind", "listen", "sendto" */
	int sock_type;
	int msg_index;          /* sendmmsg: which message */
	uint64_t sockaddr_ptr;  /* tracee address of the sockaddr (for rewriting) */
	int sockaddr_arg;       /* argument index holding it (-1: inside a msghdr) */
	uint8_t sa_raw[128];    /* the sockaddr as read (what gets pinned) */
	uint32_t sa_len;
	uint64_t msg_ptr;       /* sendmsg: the msghdr's address */
	bool any_dest;          /* sent to 0.0.0.0 or ::, judged as where it goes (addr) */

	/* OP_SIGNAL */
	int sig;
	pid_t target_pid;  /* process (or thread group) the signal goes to */
	pid_t target_tid;  /* thread, for tkill/tgkill; 0 otherwise */
	bool target_group; /* kill(0/-pgid) */

	/* OP_PROCESS / OP_DANGER */
	uint64_t flags; /* clone flags; unshare flags; ptrace request; prctl option ... */
	uint64_t arg1;
};

void op_reset(struct op *op);

#endif /* !AGENTSH_OP_H */
