/* openat2's RESOLVE_* walks and its own argument checks, one line per case:
 * under the tracer each must end as it does natively. Usage: prog DIR */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void t(const char *name, int dfd, const char *p, unsigned long long fl,
	      unsigned long long mode, unsigned long long res)
{
	struct open_how h = { .flags = fl, .mode = mode, .resolve = res };
	long r = syscall(SYS_openat2, dfd, p, &h, sizeof(h));

	printf("%-28s %s\n", name, r >= 0 ? "ok" : strerrorname_np(errno));
	if (r >= 0)
		close((int)r);
}

int main(int argc, char **argv)
{
	char b[4096];
	const char *d = argc > 1 ? argv[1] : ".";

	snprintf(b, sizeof(b), "%s/sub", d);
	mkdir(b, 0755);
	snprintf(b, sizeof(b), "%s/file", d);
	close(open(b, O_CREAT | O_WRONLY, 0644));
	snprintf(b, sizeof(b), "%s/sym", d);
	unlink(b);
	symlink("file", b);
	snprintf(b, sizeof(b), "%s/abssym", d);
	unlink(b);
	symlink("/etc/hostname", b);
	snprintf(b, sizeof(b), "%s/sub", d);
	int sub = open(b, O_RDONLY | O_DIRECTORY), dir = open(d, O_RDONLY | O_DIRECTORY);

	t("beneath ../file", sub, "../file", O_RDONLY, 0, RESOLVE_BENEATH);
	t("beneath /abs", sub, "/etc/hostname", O_RDONLY, 0, RESOLVE_BENEATH);
	t("beneath file", dir, "file", O_RDONLY, 0, RESOLVE_BENEATH);
	t("no_symlinks sym", dir, "sym", O_RDONLY, 0, RESOLVE_NO_SYMLINKS);
	t("no_symlinks sym creat", dir, "sym", O_RDWR | O_CREAT, 0644, RESOLVE_NO_SYMLINKS);
	t("beneath new creat", dir, "new", O_RDWR | O_CREAT, 0644, RESOLVE_BENEATH);
	t("in_root abssym", dir, "abssym", O_RDONLY, 0, RESOLVE_IN_ROOT);
	t("in_root /file", dir, "/file", O_RDONLY, 0, RESOLVE_IN_ROOT);
	t("no_xdev /proc", AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_XDEV);
	t("bad resolve bit", dir, "file", O_RDONLY, 0, 1ULL << 40);
	t("bad flag bit", dir, "file", O_RDONLY | (1ULL << 40), 0, 0);
	t("mode without creat", dir, "file", O_RDONLY, 0644, 0);
	return 0;
}
