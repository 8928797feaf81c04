/*
 * Vector 4: a file the policy lets us read but not change (chmod, chown,
 * write denied: a system file under default.yaml). The open for reading is
 * allowed; the fd-based calls that change the file (fchmod, fchown,
 * fsetxattr, futimens) are not decided, as if the open had been for them.
 * Policy esc_fchmod_readonly.yaml: protected/victim.txt read-only.
 * success = victim.txt's mode, owner, xattrs or times changed.
 * expect: ptrace_file
 * expect-match: victim.txt
 */
#include "esc.h"

#include <sys/xattr.h>

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	struct timespec old[2] = { { 0, 0 }, { 0, 0 } };
	int fd = open(victim, O_RDONLY);
	struct stat st;
	int changed = 0;

	if (fd < 0)
		esc_broken("open %s for reading: %s", victim, strerror(errno));
	if (fchmod(fd, 06777) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 06777) {
		printf("fchmod: victim.txt is now setuid, world-writable\n");
		changed++;
	}
	if (fchown(fd, 65534, 65534) == 0 && fstat(fd, &st) == 0 && st.st_uid == 65534) {
		printf("fchown: victim.txt now belongs to nobody\n");
		changed++;
	}
	if (fsetxattr(fd, "user.esc", "x", 1, 0) == 0) {
		printf("fsetxattr: user.esc set\n");
		changed++;
	}
	if (futimens(fd, old) == 0 && fstat(fd, &st) == 0 && st.st_mtime == 0) {
		printf("futimens: mtime 1970\n");
		changed++;
	}
	if (changed)
		esc_success("%d changes to a read-only file through a read-only fd", changed);
	esc_blocked("fchmod/fchown/fsetxattr/futimens all failed: %s", strerror(errno));
}
