/* Decoders: open flags -> ops, sockaddr forms, path cleaning and resolution,
 * argv limits, the semantics table. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "fs/resolve.h"
#include "policy/policy.h"
#include "syscalls/mem.h"
#include "syscalls/op.h"
#include "syscalls/sockaddr.h"
#include "syscalls/syscalls.h"

unsigned syscalls_open_flags_to_ops(int flags);

static struct op *new_op(void)
{
	static struct op op;

	op_reset(&op);
	return &op;
}

static void test_open_rdonly_is_open_and_read(void **s)
{
	assert_int_equal(syscalls_open_flags_to_ops(O_RDONLY), FOP_OPEN | FOP_READ);
}

static void test_open_write_flags_are_write_op(void **s)
{
	static const int flags[] = { O_WRONLY, O_RDWR, O_RDONLY | O_APPEND, O_RDONLY | O_TRUNC,
				     O_RDONLY | O_CREAT };
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		assert_int_equal(syscalls_open_flags_to_ops(flags[i]), FOP_OPEN | FOP_WRITE);
}

static void test_open_creat_excl_is_create_op(void **s)
{
	assert_true(syscalls_open_flags_to_ops(O_CREAT | O_EXCL | O_WRONLY) & FOP_CREATE);
	assert_true(syscalls_open_flags_to_ops(O_TMPFILE | O_RDWR) & FOP_CREATE);
	assert_false(syscalls_open_flags_to_ops(O_CREAT | O_WRONLY) & FOP_CREATE);
}

static void test_sockaddr_inet(void **s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(443) };
	struct op *op = new_op();

	inet_pton(AF_INET, "10.1.2.3", &sin.sin_addr);
	assert_int_equal(sockaddr_decode(&sin, sizeof(sin), op), 0);
	assert_string_equal(op->addr, "10.1.2.3");
	assert_int_equal(op->port, 443);
}

static void test_sockaddr_v4_mapped_is_reported_as_v4(void **s)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
	struct op *op = new_op();

	inet_pton(AF_INET6, "::ffff:127.0.0.2", &sin6.sin6_addr);
	assert_int_equal(sockaddr_decode(&sin6, sizeof(sin6), op), 0);
	assert_string_equal(op->addr, "127.0.0.2");
	assert_int_equal(op->port, 80);
}

static void test_sockaddr_inet6(void **s)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = htons(8080) };
	struct op *op = new_op();

	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	assert_int_equal(sockaddr_decode(&sin6, sizeof(sin6), op), 0);
	assert_string_equal(op->addr, "2001:db8::1");
}

static void test_sockaddr_short_is_rejected(void **s)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	assert_int_equal(sockaddr_decode(&sin, 4, new_op()), -EINVAL);
	assert_int_equal(sockaddr_decode(&sin, 1, new_op()), -EINVAL);
}

static void test_sockaddr_unix_path_and_abstract(void **s)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct op *op = new_op();
	socklen_t len;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "/run/docker.sock");
	assert_int_equal(sockaddr_decode(&sun, sizeof(sun), op), 0);
	assert_string_equal(op->p1.raw, "/run/docker.sock");
	assert_false(op->abstract);

	op = new_op();
	memset(sun.sun_path, 0, sizeof(sun.sun_path));
	memcpy(sun.sun_path + 1, "secret", 6);
	len = offsetof(struct sockaddr_un, sun_path) + 7;
	assert_int_equal(sockaddr_decode(&sun, len, op), 0);
	assert_true(op->abstract);
	assert_string_equal(op->p1.path, "@secret");
}

static void test_clean_path(void **s)
{
	static const char *const cases[][2] = {
		{ "/a/./b/../c", "/a/c" }, { "//x//y/", "/x/y" }, { "/..", "/" },
		{ "/a/b/../../..", "/" },  { "/", "/" },          { "/a/.../b", "/a/.../b" },
	};
	char buf[PATH_MAX];

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(buf, sizeof(buf), "%s", cases[i][0]);
		fs_clean_path(buf);
		assert_string_equal(buf, cases[i][1]);
	}
}

/* Resolution against our own process as the "tracee". */
static void test_resolve_symlinks_and_dotdot(void **s)
{
	char dir[] = "/tmp/agentsh-resolve-XXXXXX", p[PATH_MAX], out[PATH_MAX], want[PATH_MAX];

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/real", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(symlink("real", p), 0);
	snprintf(p, sizeof(p), "%s/abs", dir);
	snprintf(want, sizeof(want), "%s/real", dir);
	assert_int_equal(symlink(want, p), 0);

	snprintf(p, sizeof(p), "%s/link/../link/new.txt", dir);
	assert_int_equal(fs_resolve(getpid(), getpid(), AT_FDCWD, p, true, false, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/real/new.txt", dir);
	/* link/.. is the parent of real (the kernel applies .. after the link),
	 * so link/../link is real again. */
	assert_string_equal(out, want);

	snprintf(p, sizeof(p), "%s/abs/f", dir);
	assert_int_equal(fs_resolve(getpid(), getpid(), AT_FDCWD, p, true, false, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/real/f", dir);
	assert_string_equal(out, want);

	/* A final symlink not followed is named as itself. */
	snprintf(p, sizeof(p), "%s/link", dir);
	assert_int_equal(fs_resolve(getpid(), getpid(), AT_FDCWD, p, false, false, out, sizeof(out)), 0);
	assert_string_equal(out, p);
}

static void test_resolve_relative_to_cwd_and_proc_self(void **s)
{
	char cwd[PATH_MAX], out[PATH_MAX], want[PATH_MAX];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(fs_resolve(getpid(), getpid(), AT_FDCWD, "x", true, false, out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/x", strcmp(cwd, "/") ? cwd : "");
	assert_string_equal(out, want);
	/* A missing directory with more to walk fails as the kernel fails it. */
	assert_int_equal(fs_resolve(getpid(), getpid(), AT_FDCWD, "x/y", true, false, out, sizeof(out)),
			 -ENOENT);
	/* /proc/self/cwd means the tracee's cwd, resolved. */
	assert_int_equal(fs_resolve(getpid(), getpid(), AT_FDCWD, "/proc/self/cwd/z", true, false,
				    out, sizeof(out)), 0);
	snprintf(want, sizeof(want), "%s/z", strcmp(cwd, "/") ? cwd : "");
	assert_string_equal(out, want);
}

static void test_resolve_dangling_symlink_followed_to_target(void **s)
{
	char dir[] = "/tmp/agentsh-dangle-XXXXXX", p[PATH_MAX], out[PATH_MAX], want[PATH_MAX];

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/dangling", dir);
	snprintf(want, sizeof(want), "%s/target-not-yet", dir);
	assert_int_equal(symlink(want, p), 0);
	/* open(O_CREAT) through it would create the target: name the target. */
	assert_int_equal(fs_resolve(getpid(), getpid(), AT_FDCWD, p, true, false, out, sizeof(out)), 0);
	assert_string_equal(out, want);
}

/* The exec decoder's one walk: its typed name is what a walk of its own
 * (final symlink not followed) gives, through intermediate and final links,
 * relative names and missing files; "" where it must be looked up alone. */
static void test_resolve_typed_matches_nofollow_walk(void **s)
{
	char dir[] = "/tmp/agentsh-typed-XXXXXX", p[PATH_MAX], t[PATH_MAX];
	static const char *names[] = {
		"bin/tool", "lbin/tool", "lbin/ltool", "abin/ltool", "bin/../lbin/ltool",
		"lbin/missing", "lbin/dangling", "bin/chain", "lbin/./tool",
	};

	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/bin", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/bin/tool", dir);
	close(open(p, O_CREAT | O_WRONLY, 0755));
	snprintf(p, sizeof(p), "%s/lbin", dir);
	assert_int_equal(symlink("bin", p), 0);
	snprintf(p, sizeof(p), "%s/abin", dir);
	snprintf(t, sizeof(t), "%s/bin", dir);
	assert_int_equal(symlink(t, p), 0);
	snprintf(p, sizeof(p), "%s/bin/ltool", dir);
	assert_int_equal(symlink("tool", p), 0);
	snprintf(p, sizeof(p), "%s/bin/dangling", dir);
	assert_int_equal(symlink("nowhere", p), 0);
	snprintf(p, sizeof(p), "%s/bin/chain", dir);
	assert_int_equal(symlink("../lbin/ltool", p), 0);
	assert_int_equal(chdir(dir), 0);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		for (int rel = 0; rel < 2; rel++) {
			char out[PATH_MAX], pin[PATH_MAX], typed[PATH_MAX], want[PATH_MAX];

			if (rel)
				snprintf(p, sizeof(p), "%s", names[i]);
			else
				snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
			assert_int_equal(fs_resolve_typed("", getpid(), getpid(), AT_FDCWD, p,
							  FS_FOLLOW | FS_SLASH_FOLLOWS, out, sizeof(out),
							  pin, sizeof(pin), typed, sizeof(typed)), 0);
			assert_int_equal(fs_resolve_in("", getpid(), getpid(), AT_FDCWD, p, false, false,
						       want, sizeof(want)), 0);
			assert_string_equal(typed, want);
		}
	}
	char out[PATH_MAX], pin[PATH_MAX], typed[PATH_MAX];
	snprintf(p, sizeof(p), "%s/lbin/", dir);
	assert_int_equal(fs_resolve_typed("", getpid(), getpid(), AT_FDCWD, p, FS_FOLLOW | FS_SLASH_FOLLOWS,
					  out, sizeof(out), pin, sizeof(pin), typed, sizeof(typed)), 0);
	assert_string_equal(typed, ""); /* a final slash: not told by the walk */
	assert_int_equal(chdir("/"), 0);
}

/* Page-wise reads give what direct reads give, across a page boundary. */
static void test_mem_pages_reads(void **s)
{
	static struct mem_pages pc;
	char *buf = aligned_alloc(4096, 8192), out[64];
	uint64_t v = 0;

	assert_non_null(buf);
	memset(buf, 'a', 8192);
	memcpy(buf + 4090, "boundary", 9); /* spans the two pages */
	memcpy(buf + 100, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	mem_pages_init(&pc, getpid());
	assert_int_equal(mem_pages_read_str(&pc, (uintptr_t)(buf + 4090), out, sizeof(out)), 8);
	assert_string_equal(out, "boundary");
	assert_int_equal(mem_pages_read(&pc, (uintptr_t)(buf + 100), &v, 8), 0);
	assert_int_equal(v, 0x0807060504030201ull);
	assert_int_equal(mem_pages_read_str(&pc, (uintptr_t)(buf + 4090), out, 4), -ENAMETOOLONG);
	assert_int_equal(mem_pages_read_str(&pc, 0, out, sizeof(out)), -EFAULT);
	assert_int_equal(mem_pages_read(&pc, 8, &v, 8), -EFAULT);
	free(buf);
}

static void test_mem_read_str_bounds(void **s)
{
	static const char text[] = "hello";
	char buf[4];

	assert_int_equal(mem_read_str(getpid(), (uintptr_t)text, buf, sizeof(buf)), -ENAMETOOLONG);
	char big[16];
	assert_int_equal(mem_read_str(getpid(), (uintptr_t)text, big, sizeof(big)), 5);
	assert_string_equal(big, "hello");
	assert_int_equal(mem_read_str(getpid(), 0, big, sizeof(big)), -EFAULT);
}

static void test_table_resolves_every_abi(void **s)
{
	assert_int_equal(syscalls_init(), 0);
	assert_string_equal(syscalls_lookup(ABI_X86_64, 257)->name, "openat");
	assert_string_equal(syscalls_lookup(ABI_I386, 5)->name, "open");
	assert_string_equal(syscalls_lookup(ABI_I386, 102)->name, "socketcall");
	assert_string_equal(syscalls_lookup(ABI_I386, 362)->name, "connect");
	assert_string_equal(syscalls_lookup(ABI_X32, 0x40000000 | 257)->name, "openat");
	assert_string_equal(syscalls_lookup(ABI_AARCH64, 56)->name, "openat");
	assert_null(syscalls_lookup(ABI_X86_64, 39)); /* getpid: not ours */
}

/* Calls newer than libseccomp's tables: the rows it cannot name have their
 * number on every ABI; past the last known number every call is decided,
 * except x32's own 512-547. */
static void test_table_late_and_unknown_numbers(void **s)
{
	(void)s;
	assert_int_equal(syscalls_init(), 0);
	assert_string_equal(syscalls_lookup(ABI_X86_64, 463)->name, "setxattrat");
	assert_string_equal(syscalls_lookup(ABI_I386, 466)->name, "removexattrat");
	assert_string_equal(syscalls_lookup(ABI_X32, 0x40000000 | 467)->name, "open_tree_attr");
	assert_string_equal(syscalls_lookup(ABI_AARCH64, 469)->name, "file_setattr");
	assert_null(syscalls_lookup(ABI_X86_64, 462)); /* mseal: the caller's own */
	assert_null(syscalls_lookup(ABI_X86_64, 468)); /* file_getattr: a read */
	assert_string_equal(syscalls_lookup(ABI_X86_64, 470)->name, "unknown_syscall");
	assert_string_equal(syscalls_lookup(ABI_I386, 4000)->name, "unknown_syscall");
	assert_string_equal(syscalls_lookup(ABI_X86_64, -1)->name, "unknown_syscall");
	assert_string_equal(syscalls_lookup(ABI_X32, 0x40000000 | 520)->name, "execve");
	assert_null(syscalls_lookup(ABI_X32, 0x40000000 | 512)); /* rt_sigaction */
	assert_true(syscalls_nr_unknown(ABI_X32, 0x40000000 | 548));
	assert_false(syscalls_nr_unknown(ABI_X86_64, 469));
	assert_int_equal(syscalls_late_nr("setxattrat"), 463);
	assert_int_equal(syscalls_late_nr("openat"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_rdonly_is_open_and_read),
		cmocka_unit_test(test_open_write_flags_are_write_op),
		cmocka_unit_test(test_open_creat_excl_is_create_op),
		cmocka_unit_test(test_sockaddr_inet),
		cmocka_unit_test(test_sockaddr_v4_mapped_is_reported_as_v4),
		cmocka_unit_test(test_sockaddr_inet6),
		cmocka_unit_test(test_sockaddr_short_is_rejected),
		cmocka_unit_test(test_sockaddr_unix_path_and_abstract),
		cmocka_unit_test(test_clean_path),
		cmocka_unit_test(test_resolve_symlinks_and_dotdot),
		cmocka_unit_test(test_resolve_relative_to_cwd_and_proc_self),
		cmocka_unit_test(test_resolve_dangling_symlink_followed_to_target),
		cmocka_unit_test(test_resolve_typed_matches_nofollow_walk),
		cmocka_unit_test(test_mem_pages_reads),
		cmocka_unit_test(test_mem_read_str_bounds),
		cmocka_unit_test(test_table_resolves_every_abi),
		cmocka_unit_test(test_table_late_and_unknown_numbers),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
