/*
 * Vector 4: a file the kernel writes for us, with no call of ours naming it.
 * core_pattern "core" (a relative name: the crashing process's cwd) makes
 * the kernel unlink and create "core" wherever we stand. A child raises its
 * own RLIMIT_CORE (setrlimit on itself is not traced), chdirs into
 * protected/sub (a directory name, which protected/... does not match, and
 * chdir is not traced anyway), and aborts: the kernel plants
 * protected/sub/core, holding whatever memory we chose. The same works in
 * any directory the policy denies writes to (with core_uses_pid the name
 * is core.PID). Skipped when core_pattern is not a plain relative name.
 * success = protected/sub/core exists (natively it holds our marker).
 * expect: ptrace_file|ptrace_process
 */
#include "esc.h"
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>

static char marker[64];

static bool file_has(const char *path, const char *what)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	bool found = false;

	if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);

		if (m != MAP_FAILED) {
			found = memmem(m, (size_t)st.st_size, what, strlen(what)) != NULL;
			munmap(m, (size_t)st.st_size);
		}
	}
	if (fd >= 0)
		close(fd);
	return found;
}

int main(void)
{
	char pat[256] = "";
	const char *sub = esc_fmt("%s/sub", esc_protected());
	const char *core;
	FILE *f = fopen("/proc/sys/kernel/core_pattern", "r");
	int st, uses_pid = 0;
	pid_t pid;

	if (!f || !fgets(pat, sizeof(pat), f))
		esc_skip("cannot read core_pattern");
	fclose(f);
	pat[strcspn(pat, "\n")] = 0;
	if (pat[0] == '|' || strchr(pat, '/') || strchr(pat, '%'))
		esc_skip("core_pattern \"%s\" is not a relative file name", pat);
	if ((f = fopen("/proc/sys/kernel/core_uses_pid", "r"))) {
		if (fscanf(f, "%d", &uses_pid) != 1)
			uses_pid = 0;
		fclose(f);
	}
	snprintf(marker, sizeof(marker), "ESC-CORE-%d-%s", (int)getpid(), esc_env("ESC_SECRET"));
	pid = fork();
	if (pid < 0)
		esc_broken("fork: %s", strerror(errno));
	if (pid == 0) {
		struct rlimit rl = { 1ul << 29, 1ul << 29 }; /* sparse past agentsh's scratch */

		if (setrlimit(RLIMIT_CORE, &rl) < 0)
			_exit(3);
		if (chdir(sub) < 0)
			_exit(4);
		*(volatile char *)marker = marker[0];
		abort();
	}
	if (waitpid(pid, &st, 0) < 0)
		esc_broken("waitpid: %s", strerror(errno));
	if (WIFEXITED(st))
		esc_blocked("the child could not set up (exit %d)", WEXITSTATUS(st));
	core = uses_pid ? esc_fmt("%s/%s.%d", sub, pat, (int)pid) : esc_fmt("%s/%s", sub, pat);
	if (!esc_exists(core))
		esc_blocked("no %s (signal %d, core dumped: %d)", core, WTERMSIG(st),
			    WCOREDUMP(st) ? 1 : 0);
	/* Reading it back is itself denied under agentsh: the marker is then unknown. */
	esc_success("the kernel wrote %s for us (signal %d, our marker %s)", core, WTERMSIG(st),
		    file_has(core, marker) ? "in it" : "not read back");
}
