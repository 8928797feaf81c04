/* connect, bind, listen, sendto, sendmsg, sendmmsg, socket, i386 socketcall. */
#include "compat.h"
#include "syscalls.h"
#include "mem.h"
#include "sockaddr.h"
#include "fs/resolve.h"

#include <fcntl.h>
#include <linux/net.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>

#define SOCKADDR_MAX 128

/* Reads the sockaddr at addr (len from the tracee, bounded) into op. */
/* The resolved name of a socket to reach must be a socket file now, not a
 * missing name (kept as for a create) nor a symlink: a name flipped while it
 * was resolved (a rename that is not atomic, through FUSE) would be pinned
 * as a name the kernel follows elsewhere. */
static int unix_target_check(const char *root, pid_t tid, const char *path)
{
	char p[PATH_MAX + 64];
	struct stat st;

	if (root && root[0])
		snprintf(p, sizeof(p), "%s%s", root, path);
	else if (!root)
		snprintf(p, sizeof(p), "/proc/%d/root%s", tid, path);
	else
		snprintf(p, sizeof(p), "%s", path);
	if (lstat(p, &st) < 0)
		return -errno;
	return S_ISLNK(st.st_mode) ? -EAGAIN : 0;
}

void syscalls_unix_resolve(const char *root, pid_t tid, pid_t tgid, struct op *op)
{
	int r;

	if (!op->abstract && op->p1.raw[0]) {
		r = fs_resolve_in(root, tid, tgid, AT_FDCWD, op->p1.raw, true, false, op->p1.path,
				  sizeof(op->p1.path));
		if (!r && op->net_op && strcmp(op->net_op, "bind") != 0 &&
		    (r = unix_target_check(root, tid, op->p1.path)) == -EAGAIN) {
			op->err_what = "socket path (changed while resolved)";
			op->err = r;
			op->npaths = 1;
			return;
		}
		if (r) {
			/* Judged by the name as written; the kernel fails it too. */
			snprintf(op->p1.path, sizeof(op->p1.path), "%s", op->p1.raw);
			if (op->p1.path[0] == '/')
				fs_clean_path(op->p1.path);
			op->err_what = "socket path";
			op->err_native = fs_error_native(r);
			op->err = r;
		}
	}
	op->npaths = 1;
}

static int read_sockaddr(const struct sc_ctx *c, struct op *op, uint64_t addr, uint64_t len)
{
	unsigned char buf[SOCKADDR_MAX];
	int r;

	if (!addr)
		return 0; /* connected socket: decided at connect() */
	if (len > sizeof(buf))
		len = sizeof(buf);
	r = mem_read(c->tid, addr, buf, (size_t)len);
	if (r) {
		op->err_what = "sockaddr";
		return op->err = r;
	}
	op->sockaddr_ptr = addr;
	memcpy(op->sa_raw, buf, (size_t)len);
	op->sa_len = (uint32_t)len;
	r = sockaddr_decode(buf, (size_t)len, op);
	if (r)
		return 0; /* the kernel rejects it too */
	if (op->family == AF_UNIX) {
		op->kind = OP_UNIX;
		syscalls_unix_resolve(c->root, c->tid, c->tgid, op);
	} else if (op->family == AF_INET || op->family == AF_INET6) {
		op->kind = OP_NET;
	}
	return 0;
}

int dec_sockaddr(const struct sc_ctx *c, struct op *op)
{
	op->net_op = strcmp(op->sc->name, "bind") == 0 ? "bind" : "connect";
	op->sockaddr_arg = 1;
	return read_sockaddr(c, op, c->args[1], c->args[2]);
}

int dec_sendto(const struct sc_ctx *c, struct op *op)
{
	op->net_op = "sendto";
	op->sockaddr_arg = 4;
	op->flags = c->args[3];
	return read_sockaddr(c, op, c->args[4], c->args[5]);
}

/* struct msghdr as each ABI lays it out: name pointer and its length first. */
static int read_msg_name(const struct sc_ctx *c, uint64_t msg, uint64_t *name, uint64_t *len)
{
	if (arch_abi_wordsize(c->abi) == 4) {
		uint32_t m[2];
		int r = mem_read(c->tid, msg, m, sizeof(m));
		*name = m[0];
		*len = m[1];
		return r;
	}
	struct msghdr m;
	int r = mem_read(c->tid, msg, &m, sizeof(m));
	*name = (uintptr_t)m.msg_name;
	*len = m.msg_namelen;
	return r;
}

int dec_sendmsg(const struct sc_ctx *c, struct op *op)
{
	uint64_t name, len;
	int r = read_msg_name(c, c->args[1], &name, &len);

	op->net_op = "sendto";
	op->flags = c->args[2];
	op->msg_ptr = c->args[1];
	if (r) {
		op->err_what = "msghdr";
		return op->err = r;
	}
	return read_sockaddr(c, op, name, len);
}

/* Every message's address counts; the first one that is not allowed
 * decides. The enforcement layer calls back per message through
 * op->msg_index; here we decode the first named message and count them. */
int dec_sendmmsg(const struct sc_ctx *c, struct op *op)
{
	unsigned vlen = (unsigned)c->args[2];
	size_t stride = arch_abi_wordsize(c->abi) == 4 ? 32 : sizeof(struct mmsghdr);

	op->net_op = "sendto";
	op->flags = c->args[3];
	op->arg1 = vlen > 1024 ? 1024 : vlen; /* the kernel caps at UIO_MAXIOV */
	for (unsigned i = 0; i < op->arg1; i++) {
		uint64_t name, len;
		int r = read_msg_name(c, c->args[1] + i * stride, &name, &len);

		if (r) {
			op->err_what = "mmsghdr";
			return op->err = r;
		}
		if (!name)
			continue;
		op->msg_index = (int)i;
		return read_sockaddr(c, op, name, len);
	}
	return 0;
}

int dec_socket(const struct sc_ctx *c, struct op *op)
{
	op->kind = OP_SOCKET;
	op->family = (int)c->args[0];
	op->sock_type = (int)c->args[1];
	op->arg1 = c->args[2]; /* protocol */
	return 0;
}

int dec_listen(const struct sc_ctx *c, struct op *op)
{
	/* The address was judged at bind(); listen on an unbound socket binds
	 * an ephemeral port, which a bind rule cannot name. */
	op->kind = OP_NONE;
	op->net_op = "listen";
	return 0;
}

/* i386 socketcall(call, args[]): the real arguments are in memory. */
int dec_socketcall(const struct sc_ctx *c, struct op *op)
{
	static const struct {
		int call;
		const char *name;
		int nargs;
	} calls[] = {
		{ SYS_SOCKET, "socket", 3 },   { SYS_BIND, "bind", 3 },
		{ SYS_CONNECT, "connect", 3 }, { SYS_LISTEN, "listen", 2 },
		{ SYS_SENDTO, "sendto", 6 },   { SYS_SENDMSG, "sendmsg", 3 },
		{ SYS_SENDMMSG, "sendmmsg", 4 }, { SYS_SETSOCKOPT, "setsockopt", 5 },
	};
	struct sc_ctx sub = *c;
	uint32_t a[6] = { 0 };

	for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
		if ((int)c->args[0] != calls[i].call)
			continue;
		if (mem_read(c->tid, c->args[1], a, sizeof(uint32_t) * (size_t)calls[i].nargs)) {
			op->err_what = "socketcall args";
			return op->err = -EFAULT;
		}
		for (int j = 0; j < 6; j++)
			sub.args[j] = a[j];
		op->sc = syscalls_by_name(calls[i].name);
		return op->sc->decode(&sub, op);
	}
	return 0; /* other socket calls: nothing to judge */
}
