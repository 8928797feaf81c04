/*
 * Vector 9: prctl's option is an int; the kernel drops the upper 32 bits of
 * the register. prctl(PR_SET_DUMPABLE | 1 << 32, 0) is PR_SET_DUMPABLE 0 to
 * the kernel, but a filter (and a decision) comparing the whole 64-bit
 * argument sees another option: the call agentsh refuses (a non-dumpable
 * tracee's memory is closed to a tracer without CAP_SYS_PTRACE) runs
 * unrecorded. PR_SET_PTRACER goes the same way where Yama exists.
 * success = we are no longer dumpable.
 * expect: ptrace_process
 */
#include "esc.h"

#include <sys/prctl.h>

int main(void)
{
	long r = syscall(SYS_prctl, (1UL << 32) | PR_SET_DUMPABLE, 0UL, 0UL, 0UL, 0UL);

	if (r < 0)
		esc_blocked("prctl(PR_SET_DUMPABLE | 1 << 32, 0): %s", strerror(errno));
	if (prctl(PR_GET_DUMPABLE) == 0)
		esc_success("PR_SET_DUMPABLE 0 through the upper bits of the option");
	esc_blocked("still dumpable");
}
