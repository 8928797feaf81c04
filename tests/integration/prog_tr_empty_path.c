/* Calls that name their fd's file with an empty path and AT_EMPTY_PATH (and
 * the fd-only forms), one line per case: under the tracer, which makes them
 * by the name of its own copy of the file, each must end as natively.
 * Usage: prog DIR */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static void report(const char *name, long r)
{
	printf("%-34s %s\n", name, r >= 0 ? "ok" : strerrorname_np(errno));
}

static void mode_of(const char *name, const char *path)
{
	struct stat st;

	if (stat(path, &st) == 0)
		printf("%-34s %o\n", name, (unsigned)st.st_mode & 07777);
	else
		printf("%-34s %s\n", name, strerrorname_np(errno));
}

int main(int argc, char **argv)
{
	const char *d = argc > 1 ? argv[1] : ".";
	char f[4096], l[4096], s[4096];
	int fd, pfd, tfd, sfd;

	snprintf(f, sizeof(f), "%s/file", d);
	snprintf(l, sizeof(l), "%s/linked", d);
	snprintf(s, sizeof(s), "%s/sym", d);
	fd = open(f, O_RDWR | O_CREAT | O_TRUNC, 0644);
	pfd = open(f, O_PATH);
	symlink("file", s);
	sfd = open(s, O_PATH | O_NOFOLLOW);
	report("fchmodat2(fd, \"\", EMPTY)", syscall(SYS_fchmodat2, fd, "", 0600, AT_EMPTY_PATH));
	mode_of("  mode", f);
	report("fchmodat2(O_PATH, \"\", EMPTY)", syscall(SYS_fchmodat2, pfd, "", 0640, AT_EMPTY_PATH));
	mode_of("  mode", f);
	report("fchmodat2(fd, \"\", 0)", syscall(SYS_fchmodat2, fd, "", 0600, 0));
	report("fchownat(O_PATH, \"\", EMPTY)", fchownat(pfd, "", -1, -1, AT_EMPTY_PATH));
	report("fchownat(fd, \"\", EMPTY|NOFOLLOW)",
	       fchownat(fd, "", -1, -1, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
	report("fchownat(fd, \"\", 0)", fchownat(fd, "", -1, -1, 0));
	report("utimensat(fd, \"\", EMPTY)", utimensat(fd, "", NULL, AT_EMPTY_PATH));
	report("utimensat(O_PATH, \"\", EMPTY)", utimensat(pfd, "", NULL, AT_EMPTY_PATH));
	report("fchmod(O_PATH)", fchmod(pfd, 0600));
	report("fchmod(fd)", fchmod(fd, 0604));
	mode_of("  mode", f);
	report("fsetxattr(fd)", fsetxattr(fd, "user.agentsh", "1", 1, 0));
	report("fremovexattr(fd)", fremovexattr(fd, "user.agentsh"));
	report("linkat(fd, \"\", EMPTY)", linkat(fd, "", AT_FDCWD, l, AT_EMPTY_PATH));
	report("  linked exists", access(l, F_OK));
	tfd = open(d, O_TMPFILE | O_RDWR, 0600);
	report("open(O_TMPFILE)", tfd);
	snprintf(l, sizeof(l), "%s/from-tmpfile", d);
	report("linkat(O_TMPFILE, \"\", EMPTY)", linkat(tfd, "", AT_FDCWD, l, AT_EMPTY_PATH));
	report("  from-tmpfile exists", access(l, F_OK));
	report("fchownat(symlink O_PATH, \"\", EMPTY)", fchownat(sfd, "", -1, -1, AT_EMPTY_PATH));
	return 0;
}
