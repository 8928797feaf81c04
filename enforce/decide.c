/* op -> verdict: the policy for what it covers, built-in rules for the rest. */
#include "compat.h"
#include "enforce_int.h"
#include "log.h"
#include "fs/resolve.h"
#include "syscalls/syscalls.h"

#include <fcntl.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

/* The events output's name when it is a regular file, for events_denied. */
static void events_path_of(struct enforce *e)
{
	char link[64];
	struct stat st;
	ssize_t n;

	e->events_path[0] = 0;
	if (e->o.events_fd < 0 || fstat(e->o.events_fd, &st) < 0 || !S_ISREG(st.st_mode))
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", e->o.events_fd);
	n = readlink(link, e->events_path, sizeof(e->events_path) - 1);
	e->events_path[n > 0 && e->events_path[0] == '/' ? n : 0] = 0;
	e->events_dev = st.st_dev;
	e->events_ino = st.st_ino;
}

/* path is another name (a hard link made before the session) of the events file. */
static bool events_other_name(const struct enforce *e, const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_dev == e->events_dev &&
	       st.st_ino == e->events_ino;
}

int enforce_new(const struct enforce_opts *o, struct policy *p, struct enforce **out)
{
	struct enforce *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->o = *o;
	e->p = p;
	e->approver_fd = -1;
	e->started = time(NULL);
	pthread_mutex_init(&e->write_lock, NULL);
	e->ids = identity_build(p, &e->o.vars);
	e->ldso = ldso_waits_new();
	events_path_of(e);
	if (enforce_approver_connect(e) < 0) {
		ldso_waits_free(e->ldso);
		free(e);
		return -ECONNREFUSED;
	}
	*out = e;
	return 0;
}

void enforce_free(struct enforce *e)
{
	if (!e)
		return;
	enforce_net_stop(e);
	identity_free(e->ids);
	ldso_waits_free(e->ldso);
	policy_free(e->p);
	safe_close(e->approver_fd);
	free(e);
}

const struct policy *enforce_policy(const struct enforce *e)
{
	return e->p;
}

const struct enforce_opts *enforce_options(const struct enforce *e)
{
	return &e->o;
}

static void verdict_set(struct verdict *v, enum decision d, const char *rule, const char *fmt, ...)
	PRINTF_LIKE(4, 5);

static void verdict_set(struct verdict *v, enum decision d, const char *rule, const char *fmt, ...)
{
	va_list ap;

	memset(v, 0, offsetof(struct verdict, redirect_path));
	v->redirect_path[0] = 0;
	v->exec_redirect = NULL;
	v->unwrapped_from[0] = v->payload_command[0] = 0;
	v->command_rule = NULL;
	v->decision = v->effective = d;
	v->rule = rule;
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
}

/* Address families no agent needs (sandbox.seccomp.blocked_socket_families defaults). */
static bool family_blocked(int fam)
{
	static const int blocked[] = { AF_ALG, AF_VSOCK, AF_RDS, AF_TIPC, AF_KCM, AF_X25,
				       AF_AX25, AF_NETROM, AF_ROSE, AF_DECnet, AF_APPLETALK, AF_IPX };

	for (size_t i = 0; i < ARRAY_SIZE(blocked); i++)
		if (fam == blocked[i])
			return true;
	return false;
}

/*
 * Calls that keep tracing intact are refused even without a policy: a
 * notify listener or io_uring would perform syscalls we never see.
 */
static bool danger_integrity(const struct op *op, struct verdict *v)
{
	const char *n = op->name;

	if (strcmp(n, "scratch-tamper") == 0) {
		verdict_set(v, DECISION_DENY, "deny-scratch-tamper",
			    "the tracer's scratch region cannot be unmapped or made writable");
		return true;
	}
	if (strcmp(n, "io_uring_setup") == 0) {
		verdict_set(v, DECISION_DENY, "deny-io-uring",
			    "io_uring performs syscalls the tracer cannot see");
		return true;
	}
	/* A userfaultfd that also takes kernel faults makes whoever reads the
	 * page wait for its handler: the tracer's reads of the tracee's memory
	 * too, and with them the whole session, for as long as it likes. One
	 * for user-mode faults only lets such reads fail with EFAULT. */
	if ((strcmp(n, "userfaultfd") == 0 ||
	     (strcmp(n, "ioctl") == 0 && (uint32_t)op->arg1 == USERFAULTFD_IOC_NEW)) &&
	    !(op->flags & UFFD_USER_MODE_ONLY)) {
		verdict_set(v, DECISION_DENY, "deny-userfaultfd",
			    "a userfaultfd that handles kernel faults could stall the tracer "
			    "(UFFD_USER_MODE_ONLY is allowed)");
		return true;
	}
	if (strcmp(n, "seccomp") == 0 && op->flags == SECCOMP_SET_MODE_FILTER &&
	    (op->arg1 & SECCOMP_FILTER_FLAG_NEW_LISTENER)) {
		verdict_set(v, DECISION_DENY, "deny-seccomp-listener",
			    "a seccomp notify listener would answer syscalls before the tracer");
		return true;
	}
	return false;
}

/* The target (or a member of its group) is outside the traced tree. */
static bool outside_tree(const struct proc_info *pi)
{
	return pi->sig_relations & (SIGREL_EXTERNAL | SIGREL_SYSTEM | SIGREL_USER);
}

static bool danger_allowed(const struct op *op, const struct proc_info *pi)
{
	const char *n = op->name;

	if (strcmp(n, "process_vm_readv") == 0 || strcmp(n, "pidfd_getfd") == 0)
		return !outside_tree(pi);
	/* Typing into a terminal, a whole file system frozen, relabelled or
	 * shut down, and SIGIO owners outside the tree (the prefilter stops
	 * only these commands). */
	if (strcmp(n, "ioctl") == 0 || strcmp(n, "fcntl") == 0 || strcmp(n, "fcntl64") == 0) {
		uint32_t cmd = (uint32_t)op->arg1;

		if (*n == 'i' && (cmd == TIOCSTI || cmd == TIOCLINUX || cmd == FIFREEZE ||
				  cmd == FITHAW || cmd == FS_IOC_SETFSLABEL ||
				  cmd == AGENTSH_FS_IOC_SHUTDOWN))
			return false;
		if (*n == 'i' && cmd == USERFAULTFD_IOC_NEW)
			return true; /* user-mode faults only (danger_integrity) */
		return !outside_tree(pi);
	}
	if (strcmp(n, "prlimit64") == 0)
		return op->target_pid == 0 || !op->arg1 ||
		       !outside_tree(pi);
	/* Another thread's, process's, group's or user's scheduling (0: the
	 * caller's own); only the tree's. */
	if (strcmp(n, "setpriority") == 0 || strcmp(n, "ioprio_set") == 0 ||
	    strncmp(n, "sched_set", 9) == 0)
		return (!op->target_group && !op->target_tid) || !outside_tree(pi);
	/* The caller or a process of the tree (perf stat CMD); not every
	 * process of a cpu (-1) nor a cgroup's (PERF_FLAG_PID_CGROUP). */
	if (strcmp(n, "perf_event_open") == 0)
		return op->target_pid >= 0 && !(op->flags & PERF_FLAG_PID_CGROUP) &&
		       !outside_tree(pi);

	if (strcmp(n, "userfaultfd") == 0)
		return true; /* user-mode faults only (danger_integrity) */
	if (strcmp(n, "seccomp") == 0 || strcmp(n, "landlock_restrict_self") == 0)
		return true; /* plain filters and Landlock only restrict the tracee further */
	if (strcmp(n, "personality") == 0)
		return op->flags == 0xffffffffu || (op->flags & PER_MASK) == PER_LINUX;
	/* Only PR_SET_PTRACER and PR_SET_DUMPABLE 0 touch tracing (the prefilter
	 * traps just those and PR_SET_SECCOMP; without it every option gets here). */
	if (strcmp(n, "prctl") == 0)
		return op->flags != PR_SET_PTRACER && (op->flags != PR_SET_DUMPABLE || op->arg1 == 1);
	if (strcmp(n, "unshare") == 0)
		return !(op->flags & (CLONE_NEWNS | CLONE_NEWUSER));
	return false;
}

/*
 * Sockets that write their own IP header (IPPROTO_RAW, IP_HDRINCL and
 * IPV6_HDRINCL) or whole frames (AF_PACKET) carry their destination in the
 * payload: sendto's address only picks the route, and on loopback every
 * 127/8 address is local. No network rule can judge them, so under a
 * policy they are refused. Raw ICMP (ping) builds no header and stays.
 */
static const char raw_packets_why[] =
	"a raw packet carries its own destination, which no network rule can judge";

/* The host's packet filter (iptables' tables by setsockopt, nftables by
 * netlink) can send an address the policy allows to one it denies, and
 * outlives the session: not the tree's to change under a policy. */
static const char packet_filter_why[] =
	"the host's packet filter could send an allowed address to a denied one";

static bool packet_filter_socket(const struct op *op)
{
	return op->family == AF_NETLINK && (int)op->arg1 == NETLINK_NETFILTER;
}

static bool raw_packets(const struct op *op)
{
	/* socket(AF_INET, SOCK_PACKET) is made an AF_PACKET socket. */
	if (op->family == AF_PACKET || (op->family == AF_INET && (op->sock_type & 0xf) == SOCK_PACKET))
		return true;
	return (op->family == AF_INET || op->family == AF_INET6) &&
	       (op->sock_type & 0xf) == SOCK_RAW && (int)op->arg1 == IPPROTO_RAW;
}

static void decide_danger(const struct enforce *e, const struct proc_info *pi, const struct op *op,
			  struct verdict *v)
{
	static char rule[64];

	if (danger_integrity(op, v))
		return;
	if (!e->p || danger_allowed(op, pi)) {
		verdict_set(v, DECISION_ALLOW, "", "%s", "");
		return;
	}
	snprintf(rule, sizeof(rule), "deny-%s", op->name);
	if (strcmp(op->name, "setsockopt") == 0 && op->flags == SOCKOPT_HDRINCL)
		verdict_set(v, DECISION_DENY, "deny-raw-packets", "%s", raw_packets_why);
	else if (strcmp(op->name, "setsockopt") == 0)
		verdict_set(v, DECISION_DENY, "deny-packet-filter", "%s", packet_filter_why);
	else if (strcmp(op->name, "unknown_syscall") == 0)
		verdict_set(v, DECISION_DENY, rule,
			    "syscall %llu is newer than this agentsh knows (ENOSYS, as an older kernel)",
			    (unsigned long long)op->flags);
	else
		verdict_set(v, DECISION_DENY, rule, "%s is not allowed in a session", op->name);
}

/* A path that cannot resolve from a dirfd that names nothing (EBADF, a pipe):
 * there is no name to judge, and the kernel fails the call (enforce_decide). */
static bool unnamed_failure(const struct op *op)
{
	return op->err && op->err_native &&
	       (op->kind == OP_SIGNAL || /* a pidfd that names no process */
		(op->p1.raw[0] && op->p1.path[0] != '/') || (op->p2.raw[0] && op->p2.path[0] != '/'));
}

/* A change through an fd of a pipe, a socket or an anonymous inode: no file
 * to judge (syscalls_decode_fd_file). */
static bool fd_object(const struct op *op)
{
	return op->kind == OP_FILE && !op->err && op->npaths && !op->p1.raw[0] &&
	       op->p1.dirfd >= 0 && op->p1.path[0] && op->p1.path[0] != '/';
}

static int strictness(enum decision d)
{
	static const int rank[] = { [DECISION_ALLOW] = 0,       [DECISION_AUDIT] = 1,
				    [DECISION_APPROVE] = 2,     [DECISION_REDIRECT] = 3,
				    [DECISION_SOFT_DELETE] = 3, [DECISION_ABSORB] = 3,
				    [DECISION_DENY] = 4 };
	return rank[d];
}

static bool default_file_rule(const char *rule)
{
	return strcmp(rule, "default-deny-files") == 0 || strcmp(rule, "default-allow-reads") == 0;
}

/*
 * A process's own pipe, socket or anonymous inode opened again by name
 * (/dev/stdout, /dev/fd/N, /proc/self/fd/N: `tee /dev/stderr`, `>(cmd)`)
 * has no name of its own: its canonical path stays /proc/PID/fd/N. Policies
 * name such objects the way programs do, so when no rule names the canonical
 * path, the name as typed (under /dev) and the /proc/self form decide. A
 * link to a real file never gets here (it resolves to the file's path).
 */
static void decide_own_fd(const struct enforce *e, const struct proc_info *pi,
			  const struct op *op, struct verdict *v)
{
	char self[64], alias[PATH_MAX];
	const char *names[2] = { NULL, NULL };
	int pid, fd, end = 0;
	struct verdict w;

	if (!pi || !default_file_rule(v->rule) ||
	    sscanf(op->p1.path, "/proc/%d/fd/%d%n", &pid, &fd, &end) != 2 || op->p1.path[end] ||
	    pid != pi->pid)
		return;
	if (strncmp(op->p1.raw, "/dev/", 5) == 0)
		names[0] = op->p1.raw;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	names[1] = self;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (!names[i])
			continue;
		snprintf(alias, sizeof(alias), "%s", names[i]);
		policy_decide_file(e->p, alias, op->ops, &w);
		if (!default_file_rule(w.rule)) {
			*v = w;
			return;
		}
	}
}

void enforce_set_tree(struct enforce *e, bool (*in_tree)(void *ctx, pid_t pid), void *ctx)
{
	e->in_tree = in_tree;
	e->tree_ctx = ctx;
}

static bool in_tree(const struct enforce *e, pid_t pid)
{
	return e->in_tree && e->in_tree(e->tree_ctx, pid);
}

/* The /proc/PID entries that reach into a process rather than describe it. */
static bool proc_inner(const char *name)
{
	static const char *const inner[] = { "mem",	"environ", "fd",      "fdinfo", "map_files",
					     "pagemap", "auxv",	   "syscall", "stack" };
	size_t n = strcspn(name, "/");

	for (size_t i = 0; i < ARRAY_SIZE(inner); i++)
		if (strlen(inner[i]) == n && strncmp(name, inner[i], n) == 0)
			return true;
	return false;
}

/*
 * Another process's memory, environment and open files are not the
 * session's: outside the tree that is the tracer (its events output, its
 * tracees' memory, the audit key) or a process the session has no business
 * with. Reached by /proc/PID/NAME, or through a /proc/PID/fd/N link; any
 * entry of such a process opened for writing changes it. And
 * /proc/PID/mem opened for writing rewrites memory past its protections
 * (the scratch region that pins checked arguments), whatever the process.
 */
static bool proc_object_denied(const struct enforce *e, const struct op_path *p, unsigned ops,
			       struct verdict *v)
{
	const char *name = NULL;
	pid_t pid = fs_proc_entry(p->path, &name);

	if (pid && strcmp(name, "mem") == 0 && (ops & (FOP_WRITE | FOP_CREATE))) {
		verdict_set(v, DECISION_DENY, "deny-proc-mem-write",
			    "writing %s is not allowed in a session", p->path);
		return true;
	}
	/* Written, any entry changes the process (oom_score_adj, comm,
	 * timerslack_ns, attr/, clear_refs, coredump_filter...). */
	if (!(pid && (proc_inner(name) || (ops & (FOP_WRITE | FOP_CREATE))) && !in_tree(e, pid)) &&
	    !((pid = p->proc_fd_pid) && !in_tree(e, pid)))
		return false;
	verdict_set(v, DECISION_DENY, "deny-foreign-process",
		    "%s reaches into process %d, outside the session", p->raw, (int)pid);
	return true;
}

/*
 * The events output is the session's record: whatever the policy lets the
 * tree write, it may not change, truncate, remove or rename that file under
 * any name, nor move or remove a directory above it. (A pipe, the server's,
 * has no name.)
 */
static bool events_denied(const struct enforce *e, const char *path, unsigned ops,
			  struct verdict *v)
{
	const unsigned moves = FOP_RENAME | FOP_DELETE | FOP_RMDIR;
	size_t n = strlen(path);

	if (!e->events_path[0] || !(ops & ~FOP_READ_OPS))
		return false;
	if (strcmp(path, e->events_path) != 0 &&
	    !((ops & moves) && strncmp(e->events_path, path, n) == 0 && e->events_path[n] == '/') &&
	    !events_other_name(e, path))
		return false;
	verdict_set(v, DECISION_DENY, "deny-events-output",
		    "%s holds this session's events", e->events_path);
	return true;
}

/*
 * A program a command rule denies, given a new name by a hard link or a
 * rename, would be judged by that name at its exec: a link or rename that
 * moves such a program to a name that is not denied is refused with the
 * program's rule. (A rename also checks the other way, for
 * RENAME_EXCHANGE; overwriting a denied program by a rename is refused with
 * it.) A copy is a new file: a stated limit (docs/threat-coverage.md).
 */
static void exec_by_name(const struct enforce *e, const struct proc_info *pi, const char *path,
			 struct verdict *v)
{
	const char *base = strrchr(path, '/');
	const char *argv[] = { base ? base + 1 : path, NULL };
	struct exec_query q = { .filename = path, .argv = argv, .argc = 1, .depth = pi->depth };

	policy_decide_exec(e->p, &q, v);
}

static bool program_renamed(const struct enforce *e, const struct proc_info *pi, const char *from,
			    const char *to, struct verdict *v)
{
	struct verdict was, now;
	struct stat st;

	if (lstat(from, &st) < 0 || !S_ISREG(st.st_mode) || !(st.st_mode & 0111))
		return false;
	exec_by_name(e, pi, from, &was);
	/* An explicit rule's program only: under an allowlist every new file's
	 * temporary name is denied by default, and installers rename those to
	 * the names they run by (pip's scripts, `install`). */
	if (was.effective != DECISION_DENY || !was.rule || strncmp(was.rule, "default-", 8) == 0)
		return false;
	exec_by_name(e, pi, to, &now);
	if (now.effective == DECISION_DENY)
		return false;
	*v = was;
	snprintf(v->message, sizeof(v->message), "%s would run a program denied as %s", to, from);
	return true;
}

static void decide_file(const struct enforce *e, const struct proc_info *pi, const struct op *op,
			struct verdict *v)
{
	struct verdict v2;

	const char *other;

	if (proc_object_denied(e, &op->p1, op->ops, v) ||
	    (op->npaths > 1 && proc_object_denied(e, &op->p2, op->ops, v)) ||
	    events_denied(e, op->p1.path, op->ops, v) ||
	    (op->npaths > 1 && events_denied(e, op->p2.path, op->ops | FOP_WRITE, v)) ||
	    (op->sc && op->sc->decode == dec_open && enforce_ldso_open(e, pi, op, v)))
		return;
	policy_decide_file(e->p, op->p1.path, op->ops, v);
	decide_own_fd(e, pi, op, v);
	/* Another name of a protected file is the protected file. */
	if (v->effective != DECISION_DENY && (other = identity_lookup(e->ids, op->p1.path))) {
		policy_decide_file(e->p, other, op->ops, &v2);
		if (strictness(v2.effective) > strictness(v->effective))
			*v = v2;
	}
	if (op->npaths < 2)
		return;
	policy_decide_file(e->p, op->p2.path, op->ops | FOP_CREATE | FOP_WRITE, &v2);
	if (strictness(v2.effective) > strictness(v->effective))
		*v = v2;
	if (v->effective != DECISION_DENY && (op->ops & (FOP_LINK | FOP_RENAME)) &&
	    !program_renamed(e, pi, op->p1.path, op->p2.path, v) && (op->ops & FOP_RENAME))
		program_renamed(e, pi, op->p2.path, op->p1.path, v);
}

static void decide_signal(const struct enforce *e, const struct proc_info *pi,
			  const struct op *op, struct verdict *v)
{
	if (pi->sig_group_n > 0) {
		/* A group signal reaches every member: allowed only if each is. */
		struct proc_info one = *pi;
		struct verdict w;

		one.sig_group_n = 0;
		for (int i = 0; i < pi->sig_group_n; i++) {
			one.sig_relations = pi->sig_group_rels[i];
			decide_signal(e, &one, op, i ? &w : v);
			if (i && strictness(w.effective) > strictness(v->effective))
				*v = w;
		}
		return;
	}
	struct signal_query q = { .sig = op->sig, .relations = pi->sig_relations,
				  .target_comm = pi->target_comm, .target_pid = op->target_pid };

	if (policy_has_signal_rules(e->p)) {
		policy_decide_signal(e->p, &q, v);
		return;
	}
	/* No signal_rules: the tree may signal itself, nothing outside it. */
	if (outside_tree(pi))
		verdict_set(v, DECISION_DENY, "default-deny-signals",
			    "signal %d to process %d outside the session", op->sig, op->target_pid);
	else
		verdict_set(v, DECISION_ALLOW, "default-allow-signals-in-tree", "%s", "");
}

/* A symlink chain the session cannot have planted: the link is root-owned,
 * older than the tracer, in a directory only root can write. */
static bool link_trusted(const char *link, time_t started)
{
	char dir[PATH_MAX];
	struct stat st, dst;
	char *slash;

	if (lstat(link, &st) < 0 || !S_ISLNK(st.st_mode) || st.st_uid != 0 ||
	    st.st_mtime >= started)
		return false;
	snprintf(dir, sizeof(dir), "%s", link);
	slash = strrchr(dir, '/');
	if (!slash)
		return false;
	*(slash == dir ? slash + 1 : slash) = 0;
	return stat(dir, &dst) == 0 && dst.st_uid == 0 && !(dst.st_mode & (S_IWGRP | S_IWOTH));
}

/*
 * Exec is decided on the canonical program; the name as typed also counts:
 * an explicit deny of either name wins, and an allow of the typed name
 * (sh -> dash, python3 -> python3.11) counts only for a trusted link.
 */
/*
 * A "#!" script runs its interpreter: an explicit deny of the interpreter
 * (a rule, not the default) denies the script, with the argv the kernel
 * gives it (interpreter, its argument, the script as named, the rest), so
 * `#!/usr/bin/env tool` is judged as env running tool. An ELF program's
 * PT_INTERP that is not the system's loader (op->loader) is judged so too:
 * the kernel starts its code (esc_exec_pt_interp).
 */
static bool interp_denied(const struct enforce *e, const struct proc_info *pi, const struct op *op,
			  const char *interp, const char *interp_arg, struct verdict *v)
{
	const char *argv[OP_MAX_ARGC + 3];
	struct exec_query q = { .filename = interp, .argv = argv, .depth = pi->depth };
	struct verdict w;

	argv[q.argc++] = interp;
	if (interp_arg[0])
		argv[q.argc++] = interp_arg;
	argv[q.argc++] = op->p1.raw;
	for (int i = 1; i < op->argc; i++)
		argv[q.argc++] = op->argv[i];
	policy_decide_exec(e->p, &q, &w);
	if (w.effective != DECISION_DENY || strncmp(w.rule, "default-", 8) == 0)
		return false;
	*v = w;
	return true;
}

/* ld.so's program, named in argv: resolved in the caller's root and cwd. */
static int exec_resolve(void *ctx, const char *name, char *out, size_t cap)
{
	const struct proc_info *pi = ctx;

	if (!pi->tid)
		return -ENOENT;
	return fs_resolve_in(NULL, pi->tid, pi->pid ? pi->pid : pi->tid, AT_FDCWD, name, true,
			     false, out, cap);
}

static void decide_exec(const struct enforce *e, const struct proc_info *pi, const struct op *op,
			struct verdict *v)
{
	struct exec_query q = { .filename = op->p1.path,
				.argv = (const char *const *)op->argv,
				.argc = op->argc,
				.depth = pi->depth,
				.resolve = exec_resolve,
				.resolve_ctx = (void *)pi };
	struct verdict typed;
	bool canon_default;

	if ((op->interp[0] && interp_denied(e, pi, op, op->interp, op->interp_arg, v)) ||
	    (op->loader[0] && interp_denied(e, pi, op, op->loader, "", v)))
		return;
	policy_decide_exec(e->p, &q, v);
	if (!op->p2.path[0] || strcmp(op->p2.path, op->p1.path) == 0)
		return;
	q.filename = op->p2.path;
	policy_decide_exec(e->p, &q, &typed);
	canon_default = v->rule && strncmp(v->rule, "default-", 8) == 0;
	if (typed.effective == DECISION_DENY && strncmp(typed.rule, "default-", 8) != 0) {
		if (v->effective != DECISION_DENY)
			*v = typed;
		return;
	}
	if (canon_default && v->effective == DECISION_DENY && typed.effective != DECISION_DENY &&
	    link_trusted(op->p2.path, e->started))
		*v = typed;
}

static void decide_policy(const struct enforce *e, const struct proc_info *pi, const struct op *op,
			  struct verdict *v)
{
	switch (op->kind) {
	case OP_EXEC: {
		decide_exec(e, pi, op, v);
		if (op->truncated && v->effective != DECISION_DENY)
			verdict_set(v, DECISION_DENY, "argv-truncated",
				    "argv beyond %d args or %d bytes cannot be judged", OP_MAX_ARGC,
				    OP_MAX_ARGV_BYTES);
		break;
	}
	case OP_FILE:
		decide_file(e, pi, op, v);
		break;
	case OP_NET: {
		struct net_query q = { .ip = op->addr, .port = op->port, .operation = op->net_op,
				       .domain = op->domain[0] ? op->domain : NULL };
		policy_decide_network(e->p, &q, v);
		break;
	}
	case OP_UNIX:
		policy_decide_unix(e->p, op->p1.path, op->net_op, v);
		/* bind makes a socket file: also a create where the file rules
		 * say what may be made. */
		if (v->effective != DECISION_DENY && op->net_op && strcmp(op->net_op, "bind") == 0 &&
		    !op->abstract && op->p1.path[0] == '/') {
			struct verdict f;

			policy_decide_file(e->p, op->p1.path, FOP_CREATE | FOP_WRITE, &f);
			if (f.effective == DECISION_DENY)
				*v = f;
		}
		break;
	case OP_SIGNAL:
		decide_signal(e, pi, op, v);
		break;
	default:
		verdict_set(v, DECISION_ALLOW, "", "%s", "");
	}
}

static void decide(struct enforce *e, const struct proc_info *pi, const struct op *op,
		   struct verdict *v)
{
	if (op->kind == OP_DANGER) {
		decide_danger(e, pi, op, v);
	} else if (op->kind == OP_SOCKET) {
		if (e->p && family_blocked(op->family))
			verdict_set(v, DECISION_DENY, "blocked-socket-family",
				    "socket family %d is blocked", op->family);
		else if (e->p && raw_packets(op))
			verdict_set(v, DECISION_DENY, "deny-raw-packets", "%s", raw_packets_why);
		else if (e->p && packet_filter_socket(op))
			verdict_set(v, DECISION_DENY, "deny-packet-filter", "%s", packet_filter_why);
		else
			verdict_set(v, DECISION_ALLOW, "", "%s", "");
	} else if (!e->p || unnamed_failure(op) || fd_object(op)) {
		verdict_set(v, DECISION_ALLOW, "", "%s", "");
	} else {
		decide_policy(e, pi, op, v);
	}
	/* Fail closed: an argument we could not read cannot be allowed. (A path
	 * the kernel cannot resolve either is judged by its name as written and
	 * then fails as it would untraced: enforce_decide.) */
	if (op->err && e->p && !op->err_native)
		verdict_set(v, DECISION_DENY, "unreadable-argument", "cannot read %s: %s",
			    op->err_what ? op->err_what : "argument", strerror(-op->err));
}

/* The FUSE layer's second look: the same decision, nothing recorded, held or asked. */
void enforce_decide_quiet(struct enforce *e, const struct proc_info *pi, const struct op *op,
			  struct verdict *v)
{
	decide(e, pi, op, v);
}

/* The errno a deny returns: EPERM where that is the kernel's convention. */
/*
 * A denied file call that would fail natively without any effect gets the
 * kernel's errno: opening, deleting, renaming or changing what is not there
 * is ENOENT, making what is already there (mkdir, symlink, mknod, an
 * O_EXCL create) is EEXIST. Nothing happens either way, and existence is no
 * secret (stat(2) is not decided); programs probing for optional files in a
 * denied place (a config under ~/.ssh, a cache below /usr) go on as
 * natively instead of stopping at EACCES. The deny is still recorded.
 */
static int file_noop_errno(const struct op *op)
{
	struct stat st;
	bool excl = (op->open_flags & O_CREAT) && (op->open_flags & O_EXCL);
	bool makes = (op->ops & (FOP_MKDIR | FOP_SYMLINK | FOP_CREATE)) || (op->open_flags & O_CREAT);

	/* The kernel cannot resolve the name either (a missing directory on the
	 * way, a link loop): its own error, and nothing would have happened. */
	if (op->err && op->err_native)
		return -op->err;
	if (!op->npaths || op->p1.path[0] != '/' || (op->open_flags & O_TMPFILE) == O_TMPFILE)
		return 0;
	if (lstat(op->p1.path, &st) == 0) {
		bool only_makes = (op->ops & (FOP_MKDIR | FOP_SYMLINK)) ||
				  ((op->ops & FOP_CREATE) && (!op->open_flags || excl));
		return only_makes ? EEXIST : 0;
	}
	return errno == ENOENT && !makes ? ENOENT : 0;
}

static int deny_errno(const struct op *op)
{
	/* An argv too long to judge: "Argument list too long", which xargs
	 * and friends answer by passing fewer. */
	if (op->kind == OP_EXEC && op->truncated)
		return E2BIG;
	if (op->kind == OP_DANGER && strcmp(op->name, "open_by_handle_at") == 0)
		return EACCES; /* an open, like the others */
	/* A blocked family: as a kernel without it answers. */
	if (op->kind == OP_SOCKET && family_blocked(op->family))
		return EAFNOSUPPORT;
	if (op->kind == OP_SIGNAL || op->kind == OP_DANGER)
		return strcmp(op->name, "io_uring_setup") == 0 ||
				       strcmp(op->name, "unknown_syscall") == 0 ?
			       ENOSYS :
			       EPERM;
	if (op->kind == OP_FILE) {
		int e = file_noop_errno(op);

		return e ? e : EACCES;
	}
	return EACCES;
}

static enum action action_of(const struct verdict *v)
{
	switch (v->effective) {
	case DECISION_DENY:
		return ACT_DENY;
	case DECISION_APPROVE:
		return ACT_HOLD;
	case DECISION_REDIRECT:
		return ACT_REDIRECT;
	case DECISION_SOFT_DELETE:
		return ACT_SOFT_DELETE;
	case DECISION_ABSORB:
		return ACT_ABSORB;
	default:
		return ACT_ALLOW;
	}
}

bool enforce_sink_broken(const struct enforce *e)
{
	return e && e->sink_broken;
}

/* line must have room for one more byte after its NUL. */
void enforce_write_line(struct enforce *e, char *line)
{
	size_t n = strlen(line);

	if (e->o.events_fd < 0)
		return;
	line[n] = '\n';
	/* One write per line under the lock: lines never interleave, even past
	 * PIPE_BUF, with the DNS proxy's thread writing too. */
	pthread_mutex_lock(&e->write_lock);
	if (write(e->o.events_fd, line, n + 1) < 0) {
		if (!e->sink_broken)
			log_error("cannot write events (%s): the command is stopped, since what it "
				  "does from now on could not be recorded", strerror(errno));
		e->sink_broken = true;
	}
	pthread_mutex_unlock(&e->write_lock);
	line[n] = 0;
}

void enforce_record(struct enforce *e, const struct proc_info *pi, const struct op *op,
		    const struct verdict *v, const char *extra_type)
{
	char *line;

	if (e->o.events_fd < 0)
		return;
	line = event_build(&e->o, pi, op, v);
	if (line)
		enforce_write_line(e, line);
	free(line);
}

void enforce_decide(struct enforce *e, const struct proc_info *pi, const struct op *op,
		    struct decision_out *d)
{
	d->net_to_len = 0;
	if (!op->err && enforce_net_dns(e, op, d)) {
		enforce_record(e, pi, op, &d->v, NULL);
		return;
	}
	decide(e, pi, op, &d->v);
	d->action = action_of(&d->v);
	d->err = d->action == ACT_DENY ? deny_errno(op) : 0;
	/* A path the kernel cannot resolve: the call fails as it would
	 * untraced. Without a policy the kernel answers itself: it can where
	 * we cannot name (a removed cwd, one deeper than PATH_MAX). */
	if (op->err && op->err_native && d->action != ACT_DENY && e->p) {
		d->action = ACT_DENY;
		d->err = -op->err;
	}
	if (d->action == ACT_ALLOW && op->kind == OP_NET && !op->err)
		enforce_net_connect_redirect(e, op, op->domain[0] ? op->domain : NULL, d);
	if (d->action == ACT_HOLD && e->approver_fd < 0 && !e->approver_tty) {
		/* Nobody can answer: an approval that cannot be asked is a deny. */
		d->action = ACT_DENY;
		d->err = deny_errno(op);
		d->v.effective = DECISION_DENY;
		snprintf(d->v.message, sizeof(d->v.message), "approval required, no approver");
	}
	if (d->action == ACT_ALLOW && !e->o.log_allowed && d->v.decision != DECISION_AUDIT)
		return;
	if (d->action != ACT_HOLD) {
		enforce_record(e, pi, op, &d->v, NULL);
		return;
	}
	d->approval_id = ++e->next_approval;
	char *line = event_build(&e->o, pi, op, &d->v);
	if (!line)
		return;
	enforce_write_line(e, line);
	enforce_send_approval(e, d->approval_id, line,
			      d->v.timeout_ms > 0 ? d->v.timeout_ms : e->o.max_hold_ms);
	free(line);
}

int enforce_approver_fd(const struct enforce *e)
{
	return e->approver_fd;
}

void enforce_record_approval(struct enforce *e, pid_t pid, pid_t tid, uint64_t id,
			     const char *outcome, const char *rule)
{
	char *line = e->o.events_fd >= 0 ? event_build_approval(&e->o, pid, tid, id, outcome, rule)
					 : NULL;

	if (line)
		enforce_write_line(e, line);
	free(line);
}

bool enforce_verify_open(struct enforce *e, const struct proc_info *pi, const struct op *op,
			 const char *opened_path, struct verdict *v)
{
	struct op probe;

	if (!e->p)
		return true;
	/* Judge the opened file as if it had been named: same ops, its name. */
	memset(&probe, 0, offsetof(struct op, p1));
	probe.kind = OP_FILE;
	probe.name = op->name;
	probe.sc = op->sc;
	probe.ops = op->ops;
	probe.npaths = 1;
	snprintf(probe.p1.path, sizeof(probe.p1.path), "%s", opened_path);
	snprintf(probe.p1.raw, sizeof(probe.p1.raw), "%s", op->p1.raw);
	probe.p1.proc_fd_pid = op->p1.proc_fd_pid;
	decide_file(e, pi, &probe, v);
	if (v->effective != DECISION_DENY)
		return true;
	snprintf(v->message, sizeof(v->message),
		 "opened %s, not the checked %s (exit-time verification)", opened_path,
		 op->p1.path);
	enforce_record(e, pi, &probe, v, NULL);
	return false;
}
