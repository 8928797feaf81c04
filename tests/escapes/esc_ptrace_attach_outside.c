/*
 * Vector 9: PTRACE_ATTACH to a process OUTSIDE the traced tree (run.sh's
 * victim): nothing traces it, so the kernel lets a root agent control it and
 * run anything through it. success = attached and read its registers.
 * expect: ptrace_process
 */
#include "esc.h"
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/user.h>

int main(void)
{
	pid_t victim = esc_victim_pid();
	if (ptrace(PTRACE_ATTACH, victim, NULL, NULL) < 0)
		esc_blocked("PTRACE_ATTACH %d: %s", (int)victim, strerror(errno));
	int st;
	waitpid(victim, &st, __WALL);
	struct user_regs_struct regs;
	long r = ptrace(PTRACE_GETREGS, victim, NULL, &regs);
	ptrace(PTRACE_DETACH, victim, NULL, NULL);
	if (r == 0)
		esc_success("attached to outside pid %d (rip %#llx)", (int)victim, (unsigned long long)regs.rip);
	esc_blocked("attached but GETREGS failed: %s", strerror(errno));
}
