/* execve from a non-leader thread: the kernel turns the thread into the
 * thread-group leader; the exec (and the open before it) must be observed. */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

extern char **environ;

static void *prog_exec_thread(void *arg)
{
	char *argv[] = { "echo", "exec-from-thread", NULL };
	int fd = open((const char *)arg, O_RDONLY);

	if (fd >= 0)
		close(fd);
	execve("/bin/echo", argv, environ);
	perror("execve");
	_exit(127);
}

int main(int argc, char **argv)
{
	pthread_t th;
	const char *path = argc > 1 ? argv[1] : "/etc/hostname";

	if (pthread_create(&th, NULL, prog_exec_thread, (void *)path) != 0)
		return 1;
	pthread_join(th, NULL); /* never returns: the exec replaces us */
	return 1;
}
