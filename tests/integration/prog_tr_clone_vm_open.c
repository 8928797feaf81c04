/*
 * Two processes sharing one address space (clone(CLONE_VM | SIGCHLD), which
 * the kernel reports as a fork event) open their own file over and over,
 * at the same time: each must always get the file it named. Their checked
 * paths are pinned in the shared scratch region, so the tracer must give
 * them different slots. Then a clone(CLONE_VFORK | SIGCHLD) child, a copy of
 * the memory reported as a vfork event, opens a third file 3000 times: its
 * pins must go to its own copy (the shared region's copy of its slot still
 * names b). Prints "mismatches N" (want 0).
 * Usage: prog_tr_clone_vm_open DIR   (DIR/a, b, c hold "a", "b", "c")
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 3000

static char path_a[4096], path_b[4096], path_c[4096];
static volatile int bad_child;

static int count_bad(const char *path, char want)
{
	int bad = 0;

	for (int i = 0; i < ROUNDS; i++) {
		char c = 0;
		int fd = open(path, O_RDONLY);

		if (fd < 0 || read(fd, &c, 1) != 1 || c != want)
			bad++;
		if (fd >= 0)
			close(fd);
	}
	return bad;
}

static int vfork_child(void *arg)
{
	(void)arg;
	_exit(count_bad(path_c, 'c') > 0);
}

static int child(void *arg)
{
	(void)arg;
	bad_child = count_bad(path_b, 'b');
	return 0;
}

int main(int argc, char **argv)
{
	size_t sz = 256 * 1024;
	char *stack;
	int bad, st;
	pid_t pid;

	if (argc != 2)
		return 2;
	snprintf(path_a, sizeof(path_a), "%s/a", argv[1]);
	snprintf(path_b, sizeof(path_b), "%s/b", argv[1]);
	snprintf(path_c, sizeof(path_c), "%s/c", argv[1]);
	stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return 2;
	pid = clone(child, stack + sz, CLONE_VM | SIGCHLD, NULL);
	if (pid < 0)
		return 2;
	bad = count_bad(path_a, 'a');
	if (waitpid(pid, &st, 0) != pid)
		return 2;
	pid = clone(vfork_child, stack + sz, CLONE_VFORK | SIGCHLD, NULL);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 2;
	bad += !WIFEXITED(st) || WEXITSTATUS(st) != 0;
	printf("mismatches %d\n", bad + bad_child);
	return 0;
}
