/*
 * Vector 13: group-stop. A multi-threaded child stops itself (SIGSTOP) while
 * a second thread sits in a blocking read; the parent continues it (SIGCONT)
 * and the woken thread reads the secret. A tracer that mishandles group-stop
 * or PTRACE_LISTEN loses or detaches the thread, or hangs.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>
#include <signal.h>

static int go[2];
static const char *secret;

static void *sleeper(void *arg)
{
	char c;
	(void)arg;
	if (read(go[0], &c, 1) != 1)
		return (void *)0;
	int fd = open(secret, O_RDONLY);
	return (void *)(intptr_t)(fd >= 0 && esc_fd_has_secret(fd));
}

int main(void)
{
	secret = esc_secret_path();
	if (pipe(go) < 0)
		esc_broken("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t t;
		void *won;
		pthread_create(&t, NULL, sleeper, NULL);
		raise(SIGSTOP);
		pthread_join(t, &won);
		_exit(won ? 0 : 1);
	}
	int st;
	if (waitpid(pid, &st, WUNTRACED) < 0 || !WIFSTOPPED(st))
		esc_blocked("the child never reported its stop");
	if (write(go[1], "x", 1) != 1 || kill(pid, SIGCONT) < 0)
		esc_broken("wake: %s", strerror(errno));
	if (esc_wait(pid) == 0)
		esc_success("after SIGSTOP/SIGCONT a thread read the secret");
	esc_blocked("the woken thread could not read the secret");
}
