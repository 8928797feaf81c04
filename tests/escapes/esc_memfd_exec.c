/*
 * Vector 7: copy the denied binary into a memfd (named like an allowed test
 * binary) and fexecve it: no path on disk names what runs.
 * expect: ptrace_execve
 */
#include "esc.h"
#include <sys/mman.h>
#include <sys/sendfile.h>

int main(void)
{
	const char *marker = esc_marker("memfd");
	int src = open(esc_denied_bin(), O_RDONLY);
	int mfd = memfd_create("esc_ok", 0);
	struct stat st;
	if (src < 0 || mfd < 0 || fstat(src, &st) < 0)
		esc_broken("open/memfd_create: %s", strerror(errno));
	if (sendfile(mfd, src, NULL, (size_t)st.st_size) != st.st_size)
		esc_broken("copy into memfd: %s", strerror(errno));
	pid_t pid = fork();
	if (pid == 0) {
		extern char **environ;
		char *argv[] = { "esc_ok", (char *)marker, NULL };
		fexecve(mfd, argv, environ);
		fprintf(stderr, "fexecve: %s\n", strerror(errno));
		_exit(127);
	}
	esc_wait(pid);
	if (esc_exists(marker))
		esc_success("fexecve of a memfd copy ran the denied binary");
	esc_blocked("the memfd copy did not run");
}
