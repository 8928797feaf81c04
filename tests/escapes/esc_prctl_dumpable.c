/*
 * Vector 9: PR_SET_DUMPABLE 0 makes our memory unreadable to a tracer
 * without CAP_SYS_PTRACE (process_vm_readv, /proc/PID/mem, PEEKDATA all
 * fail); a tracer that cannot read the path must deny, not allow.
 * expect: ptrace_process|ptrace_file
 */
#include "esc.h"
#include <sys/prctl.h>

int main(void)
{
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		esc_blocked("PR_SET_DUMPABLE: %s", strerror(errno));
	esc_finish_fd(open(esc_secret_path(), O_RDONLY), "open while non-dumpable");
}
