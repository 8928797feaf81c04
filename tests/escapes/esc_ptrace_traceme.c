/*
 * Vector 9: PTRACE_TRACEME: a child asks its parent (the attacker) to trace it,
 * so the attacker can rewrite its syscalls after agentsh decided them.
 * success = the parent holds the child in a ptrace stop and reads its memory.
 * expect: ptrace_process
 */
#include "esc.h"
#include <signal.h>
#include <sys/ptrace.h>

static volatile long magic = 0x5ec2e7;

int main(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
			fprintf(stderr, "child: PTRACE_TRACEME: %s\n", strerror(errno));
			_exit(3);
		}
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, __WALL) < 0 || !WIFSTOPPED(st))
		esc_blocked("the child never entered a ptrace stop for us");
	errno = 0;
	long v = ptrace(PTRACE_PEEKDATA, pid, (void *)&magic, NULL);
	bool won = errno == 0 && v == magic;
	kill(pid, SIGKILL);
	ptrace(PTRACE_DETACH, pid, NULL, NULL);
	esc_wait(pid);
	if (won)
		esc_success("PTRACE_TRACEME gave us a traced child (PEEKDATA ok)");
	esc_blocked("PEEKDATA failed: %s", strerror(errno));
}
