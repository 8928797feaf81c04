/*
 * clone() with CLONE_NEWUSER | CLONE_NEWNS (glibc's clone, not unshare):
 * prints "clone ok" when the child ran in its new namespaces, else
 * "clone " and the errno name. For test_clone_ns.sh.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char stack[64 * 1024] __attribute__((aligned(16)));

static int child(void *arg)
{
	(void)arg;
	return 0;
}

int main(void)
{
	int st;
	pid_t p = clone(child, stack + sizeof(stack), CLONE_NEWUSER | CLONE_NEWNS | SIGCHLD, NULL);

	if (p < 0) {
		printf("clone %s\n", errno == EPERM ? "EPERM" : strerror(errno));
		return 0;
	}
	waitpid(p, &st, 0);
	printf("clone %s\n", WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "child failed");
	return 0;
}
