/*
 * At max_tracees: fork until it fails, then try vfork, a raw clone (a new
 * process, no CLONE_THREAD) and pthread_create. Prints what each gave and
 * how many SIGCHLD arrived while every real child was still alive (a child
 * refused at its fork event must not be heard of), then releases and reaps
 * the children it knows. Run under `agentsh wrap --max-tracees 4`.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t nchld;

static void on_chld(int sig)
{
	(void)sig;
	nchld++;
}

static void *thread_main(void *arg)
{
	return arg;
}

static const char *err_name(int e)
{
	return e == EAGAIN ? "EAGAIN" : e ? strerror(e) : "ok";
}

int main(void)
{
	int go[2];
	pid_t kids[16];
	int nkids = 0, e;
	struct sigaction sa = { .sa_handler = on_chld };
	struct timespec pause = { 0, 200 * 1000 * 1000 };

	sigaction(SIGCHLD, &sa, NULL);
	if (pipe(go) < 0)
		return 2;
	for (int i = 0; i < 10; i++) {
		pid_t p = fork();
		if (p < 0)
			break;
		if (p == 0) {
			char c;
			close(go[1]);
			_exit(read(go[0], &c, 1) < 0);
		}
		kids[nkids++] = p;
	}
	e = errno;
	printf("forks=%d fork=%s", nkids, err_name(e));
	pid_t v = vfork();
	if (v == 0)
		_exit(0);
	printf(" vfork=%s", v < 0 ? err_name(errno) : "ok");
	if (v > 0)
		waitpid(v, NULL, 0);
	long c = syscall(SYS_clone, (unsigned long)SIGCHLD, 0, 0, 0, 0);
	if (c == 0)
		_exit(0);
	printf(" clone=%s", c < 0 ? err_name(errno) : "ok");
	if (c > 0)
		waitpid((pid_t)c, NULL, 0);
	pthread_t t;
	e = pthread_create(&t, NULL, thread_main, NULL);
	printf(" thread=%s", err_name(e));
	if (!e)
		pthread_join(t, NULL);
	nanosleep(&pause, NULL);
	printf(" sigchld_before=%d", (int)nchld);
	close(go[1]);
	int reaped = 0;
	for (int i = 0; i < nkids; i++) {
		int st = -1;
		pid_t w;
		while ((w = waitpid(kids[i], &st, 0)) < 0 && errno == EINTR)
			;
		reaped += w == kids[i] && WIFEXITED(st) && !WEXITSTATUS(st);
	}
	printf(" reaped=%d\n", reaped);
	return 0;
}
