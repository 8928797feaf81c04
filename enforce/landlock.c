/*
 * Landlock backend. No <linux/landlock.h>: Debian 12's headers stop at ABI 2, so the uapi
 * constants and structs (include/uapi/linux/landlock.h) are declared here.
 * No allocation and no logging: landlock_apply() runs between fork and exec.
 */
#include "compat.h"
#include "enforce/landlock.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define LL_SYS_CREATE_RULESET 444
#define LL_SYS_ADD_RULE 445
#define LL_SYS_RESTRICT_SELF 446

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1
#define LL_RULE_NET_PORT 2

#define LL_FS_EXECUTE (1ULL << 0)
#define LL_FS_WRITE_FILE (1ULL << 1)
#define LL_FS_READ_FILE (1ULL << 2)
#define LL_FS_READ_DIR (1ULL << 3)
#define LL_FS_REMOVE_DIR (1ULL << 4)
#define LL_FS_REMOVE_FILE (1ULL << 5)
#define LL_FS_MAKE_CHAR (1ULL << 6)
#define LL_FS_MAKE_DIR (1ULL << 7)
#define LL_FS_MAKE_REG (1ULL << 8)
#define LL_FS_MAKE_SOCK (1ULL << 9)
#define LL_FS_MAKE_FIFO (1ULL << 10)
#define LL_FS_MAKE_BLOCK (1ULL << 11)
#define LL_FS_MAKE_SYM (1ULL << 12)
#define LL_FS_REFER (1ULL << 13)     /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */

#define LL_NET_BIND_TCP (1ULL << 0)    /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1) /* ABI 4 */

#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)        /* ABI 6 */

/* Rights that make sense on a non-directory (the kernel rejects the others with EINVAL). */
#define LL_FS_FILE_RIGHTS                                                                          \
	(LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

struct ll_path_beneath_attr {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

struct ll_net_port_attr {
	uint64_t allowed_access;
	uint64_t port;
};

/* Access bits each ABI introduced; an ABI handles the union of its row and those before. */
static const uint64_t fs_by_abi[] = {
	[1] = LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | LL_FS_READ_DIR |
	      LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE | LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR |
	      LL_FS_MAKE_REG | LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK | LL_FS_MAKE_SYM,
	[2] = LL_FS_REFER,
	[3] = LL_FS_TRUNCATE,
	[5] = LL_FS_IOCTL_DEV,
};

static const struct {
	unsigned int perm;
	uint64_t access;
} perm_map[] = {
	{ LANDLOCK_PERM_READ, LL_FS_READ_FILE | LL_FS_READ_DIR },
	{ LANDLOCK_PERM_WRITE, LL_FS_WRITE_FILE | LL_FS_REMOVE_DIR | LL_FS_REMOVE_FILE |
				       LL_FS_MAKE_CHAR | LL_FS_MAKE_DIR | LL_FS_MAKE_REG |
				       LL_FS_MAKE_SOCK | LL_FS_MAKE_FIFO | LL_FS_MAKE_BLOCK |
				       LL_FS_MAKE_SYM | LL_FS_REFER | LL_FS_TRUNCATE |
				       LL_FS_IOCTL_DEV },
	/* execve opens the binary for reading too (FMODE_READ | __FMODE_EXEC). */
	{ LANDLOCK_PERM_EXECUTE, LL_FS_EXECUTE | LL_FS_READ_FILE },
};

int landlock_abi(void)
{
	long abi = syscall(LL_SYS_CREATE_RULESET, NULL, 0, LL_CREATE_RULESET_VERSION);

	return abi < 0 ? -errno : (int)abi;
}

uint64_t landlock_fs_handled(int abi)
{
	uint64_t all = 0;

	for (int i = 1; i <= abi && i < (int)ARRAY_SIZE(fs_by_abi); i++)
		all |= fs_by_abi[i];
	return all;
}

uint64_t landlock_fs_access(unsigned int perms, int abi, bool is_dir)
{
	uint64_t acc = 0;

	for (size_t i = 0; i < ARRAY_SIZE(perm_map); i++)
		if (perms & perm_map[i].perm)
			acc |= perm_map[i].access;
	acc &= landlock_fs_handled(abi);
	return is_dir ? acc : acc & LL_FS_FILE_RIGHTS;
}

static int add_path_rule(int ruleset, const struct landlock_path_rule *rule, int abi,
			 uint64_t handled)
{
	struct ll_path_beneath_attr attr;
	struct stat stbuf;
	int fd = open(rule->path, O_PATH | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &stbuf) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	attr.allowed_access = landlock_fs_access(rule->perms, abi, S_ISDIR(stbuf.st_mode)) & handled;
	attr.parent_fd = fd;
	if (attr.allowed_access &&
	    syscall(LL_SYS_ADD_RULE, ruleset, LL_RULE_PATH_BENEATH, &attr, 0) < 0)
		err = -errno;
	close(fd);
	return err;
}

static int add_port_rules(int ruleset, const uint16_t *ports, size_t n, uint64_t access)
{
	for (size_t i = 0; i < n; i++) {
		struct ll_net_port_attr attr = { .allowed_access = access, .port = ports[i] };

		if (syscall(LL_SYS_ADD_RULE, ruleset, LL_RULE_NET_PORT, &attr, 0) < 0)
			return -errno;
	}
	return 0;
}

/* Fills attr with what this ABI can handle of spec; returns the attr size the ABI knows. */
static size_t ruleset_attr_for(const struct landlock_spec *spec, int abi,
			       struct ll_ruleset_attr *attr)
{
	memset(attr, 0, sizeof(*attr));
	if (spec->restrict_fs)
		attr->handled_access_fs = landlock_fs_handled(abi);
	if (abi >= 4 && spec->restrict_connect)
		attr->handled_access_net |= LL_NET_CONNECT_TCP;
	if (abi >= 4 && spec->restrict_bind)
		attr->handled_access_net |= LL_NET_BIND_TCP;
	if (abi >= 6 && (spec->scopes & LANDLOCK_SCOPE_ABSTRACT_UNIX))
		attr->scoped |= LL_SCOPE_ABSTRACT_UNIX;
	if (abi >= 6 && (spec->scopes & LANDLOCK_SCOPE_SIGNALS))
		attr->scoped |= LL_SCOPE_SIGNAL;
	if (abi >= 6)
		return sizeof(*attr);
	return abi >= 4 ? offsetof(struct ll_ruleset_attr, scoped)
			: offsetof(struct ll_ruleset_attr, handled_access_net);
}

static int add_rules(int ruleset, const struct landlock_spec *spec, int abi,
		     const struct ll_ruleset_attr *attr, struct landlock_status *st)
{
	int err = 0;

	for (size_t i = 0; attr->handled_access_fs && i < spec->n_paths; i++) {
		err = add_path_rule(ruleset, &spec->paths[i], abi, attr->handled_access_fs);
		/* A path that cannot be opened (or names no file: /dev/stdout on a
		 * pipe is EBADFD) allows nothing: leaving it out keeps it denied. */
		if (err == -ENOENT || err == -EACCES || err == -ENOTDIR || err == -ELOOP ||
		    err == -EBADFD || err == -ENXIO) {
			st->skipped_paths++;
			err = 0;
		} else if (err < 0) {
			return err;
		}
	}
	if (attr->handled_access_net & LL_NET_CONNECT_TCP)
		err = add_port_rules(ruleset, spec->connect_ports, spec->n_connect,
				     LL_NET_CONNECT_TCP);
	if (err >= 0 && (attr->handled_access_net & LL_NET_BIND_TCP))
		err = add_port_rules(ruleset, spec->bind_ports, spec->n_bind, LL_NET_BIND_TCP);
	return err < 0 ? err : 0;
}

int landlock_apply(const struct landlock_spec *spec, struct landlock_status *st)
{
	struct ll_ruleset_attr attr;
	size_t size;
	int abi = landlock_abi(), ruleset, err;

	memset(st, 0, sizeof(*st));
	if (abi < 0)
		return abi;
	st->abi = abi;
	size = ruleset_attr_for(spec, abi, &attr);
	if (!attr.handled_access_fs && !attr.handled_access_net && !attr.scoped)
		return 0;
	ruleset = (int)syscall(LL_SYS_CREATE_RULESET, &attr, size, 0);
	if (ruleset < 0)
		return -errno;
	err = add_rules(ruleset, spec, abi, &attr, st);
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err = -errno;
	if (!err && syscall(LL_SYS_RESTRICT_SELF, ruleset, 0) < 0)
		err = -errno;
	close(ruleset);
	if (err)
		return err;
	st->handled_fs = attr.handled_access_fs;
	st->handled_net = attr.handled_access_net;
	st->scoped = (unsigned int)attr.scoped;
	/* Below ABI 3 truncate(2) stays unhandled, and ABI 1 forbids every cross-dir rename. */
	st->fs_exact = spec->restrict_fs && abi >= 3;
	return 0;
}

/*
 * A Landlock domain that restricts nothing the policy decides (block devices
 * may be made anywhere under "/", the only right it handles) but, being a
 * domain, keeps every process outside it out of the tree's reach: the kernel
 * refuses ptrace access (/proc/PID/mem, environ, fd, pidfd_getfd) to a
 * process in no or another domain. For calls the tracer no longer sees.
 * In the child, before exec: no allocation. 0 or -errno.
 */
int landlock_scope_domain(void)
{
	struct ll_ruleset_attr attr = { .handled_access_fs = LL_FS_MAKE_BLOCK };
	struct ll_path_beneath_attr pb = { .allowed_access = LL_FS_MAKE_BLOCK };
	int ruleset, err = 0;

	ruleset = (int)syscall(LL_SYS_CREATE_RULESET, &attr, offsetof(struct ll_ruleset_attr,
								     handled_access_net), 0);
	if (ruleset < 0)
		return -errno;
	pb.parent_fd = open("/", O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0 ||
	    syscall(LL_SYS_ADD_RULE, ruleset, LL_RULE_PATH_BENEATH, &pb, 0) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || syscall(LL_SYS_RESTRICT_SELF, ruleset, 0) < 0)
		err = -errno;
	if (pb.parent_fd >= 0)
		close(pb.parent_fd);
	close(ruleset);
	return err;
}

/* Characters that make a gobwas glob more than a literal path. */
static bool has_glob_meta(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("*?[]{}\\$", s[i]))
			return true;
	return false;
}

/* Absolute, no empty, "." or ".." segment, no trailing slash (except "/" itself). */
static bool is_canonical(const char *s, size_t n)
{
	if (n == 0 || s[0] != '/')
		return false;
	if (n == 1)
		return true;
	if (s[n - 1] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t seg;

		if (s[i] != '/')
			continue;
		seg = strcspn(s + i + 1, "/");
		if (i + 1 + seg > n)
			seg = n - i - 1;
		if (seg == 0 || (seg == 1 && s[i + 1] == '.') ||
		    (seg == 2 && s[i + 1] == '.' && s[i + 2] == '.'))
			return false;
	}
	return true;
}

enum landlock_glob_kind landlock_glob_kind(const char *glob, char *out, size_t out_len)
{
	size_t n = glob ? strlen(glob) : 0, base = n;
	enum landlock_glob_kind kind = LANDLOCK_GLOB_EXACT;

	if (n >= 3 && strcmp(glob + n - 3, "/**") == 0) {
		kind = LANDLOCK_GLOB_SUBTREE;
		base = n - 3;
	}
	if (has_glob_meta(glob, base))
		return LANDLOCK_GLOB_INEXACT;
	if (base == 0 && kind == LANDLOCK_GLOB_SUBTREE) {
		glob = "/"; /* the subtree glob of "/" is everything */
		base = 1;
	} else if (!is_canonical(glob, base) || (kind == LANDLOCK_GLOB_SUBTREE && base == 1)) {
		/* "//" + "**" names paths starting with an empty segment: none canonical. */
		return LANDLOCK_GLOB_INEXACT;
	}
	if (base + 1 > out_len)
		return LANDLOCK_GLOB_INEXACT;
	memcpy(out, glob, base);
	out[base] = '\0';
	return kind;
}
