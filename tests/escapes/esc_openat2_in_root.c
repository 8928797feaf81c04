/*
 * Vector 4: openat2(RESOLVE_IN_ROOT): "/protected/secret.txt" is resolved with
 * the dirfd (the fixture root) as "/", so the absolute-looking path does not
 * name what it seems to.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <linux/openat2.h>

int main(void)
{
	int dfd = open(esc_env("ESC_ROOT"), O_PATH | O_DIRECTORY);
	if (dfd < 0)
		esc_broken("open root: %s", strerror(errno));
	struct open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, dfd, "/protected/secret.txt", &how, sizeof(how));
	if (fd < 0 && errno == ENOSYS && !esc_tracer_pid())
		esc_skip("openat2 is not available: %s", strerror(errno));
	esc_finish_fd((int)fd, "openat2(root_dirfd, \"/protected/secret.txt\", RESOLVE_IN_ROOT)");
}
