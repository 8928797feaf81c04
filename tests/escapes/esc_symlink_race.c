/*
 * Vector 2: symlink swap race. A thread atomically renames work/swap between a
 * link to an allowed decoy and a link to the secret; the main thread keeps
 * opening work/swap, hoping the check sees the decoy and the kernel the secret.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>

static atomic_bool stop;
static char la[4096], lb[4096], swap[4096];

static void *swapper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop)) {
		/* rename() of a symlink is atomic: work/swap always exists. */
		if (link(la, esc_fmt("%s.tmp", swap)) == 0)
			rename(esc_fmt("%s.tmp", swap), swap);
		if (link(lb, esc_fmt("%s.tmp", swap)) == 0)
			rename(esc_fmt("%s.tmp", swap), swap);
	}
	return NULL;
}

int main(void)
{
	const char *decoy = esc_fmt("%s/decoy.txt", esc_work());
	int fd = open(decoy, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "decoy\n", 6) != 6)
		esc_broken("decoy");
	close(fd);
	snprintf(la, sizeof(la), "%s/la", esc_work());
	snprintf(lb, sizeof(lb), "%s/lb", esc_work());
	snprintf(swap, sizeof(swap), "%s/swap", esc_work());
	unlink(la);
	unlink(lb);
	if (symlink(decoy, la) < 0 || symlink(esc_secret_path(), lb) < 0 || symlink(decoy, swap) < 0)
		esc_blocked("symlink: %s", strerror(errno));
	pthread_t t;
	pthread_create(&t, NULL, swapper, NULL);
	double end = esc_now() + esc_race_seconds();
	long tries = 0;
	while (esc_now() < end) {
		tries++;
		fd = open(swap, O_RDONLY);
		if (fd >= 0 && esc_fd_has_secret(fd)) {
			atomic_store(&stop, true);
			esc_success("won the symlink swap race after %ld opens", tries);
		}
		if (fd >= 0)
			close(fd);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	esc_blocked("never read the secret in %ld opens", tries);
}
