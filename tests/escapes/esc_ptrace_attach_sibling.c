/*
 * Vector 9: PTRACE_ATTACH from one tracee to its sibling, then POKEDATA into
 * it: the attacker could rewrite a checked path in the sibling's memory.
 * success = the sibling observes the value we poked.
 * expect: ptrace_process
 */
#include "esc.h"
#include <signal.h>
#include <sys/ptrace.h>

static volatile long flag = 1;

int main(void)
{
	pid_t victim = fork();
	if (victim == 0) {
		double end = esc_now() + esc_race_seconds();
		while (flag == 1 && esc_now() < end)
			usleep(1000);
		_exit(flag == 0x7a7a ? 0 : 1);
	}
	pid_t attacker = fork();
	if (attacker == 0) {
		if (ptrace(PTRACE_ATTACH, victim, NULL, NULL) < 0) {
			fprintf(stderr, "attacker: PTRACE_ATTACH sibling: %s\n", strerror(errno));
			_exit(3);
		}
		int st;
		waitpid(victim, &st, __WALL);
		if (ptrace(PTRACE_POKEDATA, victim, (void *)&flag, (void *)0x7a7aL) < 0)
			_exit(4);
		ptrace(PTRACE_DETACH, victim, NULL, NULL);
		_exit(0);
	}
	int a = esc_wait(attacker);
	int v = esc_wait(victim);
	if (a == 0 && v == 0)
		esc_success("attached to a sibling and rewrote its memory");
	esc_blocked("attacker exit %d, victim exit %d", a, v);
}
