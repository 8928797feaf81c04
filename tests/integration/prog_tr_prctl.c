/* prctl options that do not touch tracing run; PR_SET_DUMPABLE 0 and
 * PR_SET_PTRACER are refused under a policy, with or without the prefilter. */
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>

int main(void)
{
	int r = 0;

	r |= prctl(PR_SET_NAME, "prctl-test") != 0;
	r |= prctl(PR_SET_PDEATHSIG, SIGTERM) != 0;
	r |= prctl(PR_GET_DUMPABLE) < 0;
	r |= prctl(PR_SET_CHILD_SUBREAPER, 1) != 0;
	r |= prctl(PR_CAPBSET_READ, 0) < 0;
	printf("benign=%s dumpable0=%d ptracer=%d\n", r ? "refused" : "ok",
	       prctl(PR_SET_DUMPABLE, 0), prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY));
	return 0;
}
