/* vfork + exec, a failing exec in a vfork child, and posix_spawn (clone with
 * CLONE_VM|CLONE_VFORK in glibc): each child's exec must be observed. */
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static int prog_vfork_exec(const char *path, char *const argv[])
{
	int status;
	pid_t pid = vfork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(path, argv, environ);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	char *true_argv[] = { "true", NULL };
	char *missing_argv[] = { "missing", NULL };
	char *echo_argv[] = { "echo", "spawned", NULL };
	pid_t pid;
	int status;

	if (prog_vfork_exec("/bin/true", true_argv) != 0)
		return 1;
	if (prog_vfork_exec("/nonexistent/prog_tr_missing", missing_argv) != 127)
		return 1;
	if (posix_spawn(&pid, "/bin/echo", NULL, NULL, echo_argv, environ) != 0)
		return 1;
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return 1;
	return 0;
}
