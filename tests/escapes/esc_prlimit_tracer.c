/*
 * Vector 9: prlimit64(TracerPid, RLIMIT_FSIZE, 1): the tracer's next write
 * to its events file raises SIGXFSZ and kills it, and what the tree does
 * after is neither decided nor recorded. Then exec bin/denied through
 * work/esc_sym (an allowed name) for 2 s; its running is the escape.
 * Natively there is no tracer: run.sh's outside victim stands in for it,
 * which proves the prlimit itself works.
 * expect: ptrace_process
 * expect-match: prlimit64
 */
#include "esc.h"
#include <sys/resource.h>

int main(void)
{
	char *marker = strdup(esc_marker("prlimit"));
	char *link = strdup(esc_fmt("%s/esc_sym", esc_work()));
	pid_t tracer = esc_tracer_pid();
	pid_t target = tracer ? tracer : esc_victim_pid();
	struct rlimit rl = {.rlim_cur = 1, .rlim_max = 1};
	char *argv[] = {"esc_sym", marker, NULL};

	if (!marker || !link)
		esc_broken("out of memory");
	unlink(link);
	if (symlink(esc_denied_bin(), link) < 0)
		esc_broken("symlink: %s", strerror(errno));
	if (prlimit(target, RLIMIT_FSIZE, &rl, NULL) < 0)
		esc_blocked("prlimit(%s %d, RLIMIT_FSIZE, 1): %s", tracer ? "tracer" : "stand-in",
			    (int)target, strerror(errno));
	for (double end = esc_now() + 2.0; esc_now() < end; usleep(50 * 1000))
		if (esc_spawn_marker(link, argv, marker))
			esc_success("bin/denied ran after RLIMIT_FSIZE 1 on the %s",
				    tracer ? "tracer" : "stand-in");
	esc_blocked("bin/denied never ran after RLIMIT_FSIZE 1 on %d", (int)target);
}
