/*
 * Vector 9: prctl(PR_SET_PTRACER, ANY) lets any process attach to us under
 * Yama. Skips where Yama is absent (the call returns EINVAL).
 * expect: ptrace_process
 */
#include "esc.h"
#include <sys/prctl.h>

int main(void)
{
	if (prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0) == 0)
		esc_success("PR_SET_PTRACER_ANY accepted");
	if (errno == EINVAL && !esc_tracer_pid())
		esc_skip("no Yama LSM here: PR_SET_PTRACER is EINVAL");
	esc_blocked("PR_SET_PTRACER: %s", strerror(errno));
}
