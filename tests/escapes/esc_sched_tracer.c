/*
 * Vector 9: the tracer's scheduling. sched_setscheduler(TracerPid,
 * SCHED_IDLE), setpriority(PRIO_PROCESS, TracerPid, 19), ioprio_set(idle)
 * and sched_setaffinity(TracerPid, one CPU) starve the tracer that every
 * process of the tree waits on: under load the whole session stalls. Any one
 * that takes effect is the escape. The same calls on a child of the tree
 * must still work (nice, chrt, taskset, ionice of one's own processes).
 * Natively there is no tracer: run.sh's outside victim stands in for it.
 * expect: ptrace_process
 * expect-match: sched_setscheduler
 */
#include "esc.h"
#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_IDLE (3 << 13)

/* Each call on pid; the names of those that took effect, in out. */
static int starve(pid_t pid, char *out, size_t n)
{
	struct sched_param sp = { 0 };
	cpu_set_t one;
	int hits = 0;

	out[0] = 0;
	if (sched_setscheduler(pid, SCHED_IDLE, &sp) == 0 && sched_getscheduler(pid) == SCHED_IDLE)
		hits++, strncat(out, " sched_setscheduler", n - strlen(out) - 1);
	errno = 0;
	if (setpriority(PRIO_PROCESS, (id_t)pid, 19) == 0 &&
	    getpriority(PRIO_PROCESS, (id_t)pid) == 19)
		hits++, strncat(out, " setpriority", n - strlen(out) - 1);
	if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, pid, IOPRIO_IDLE) == 0)
		hits++, strncat(out, " ioprio_set", n - strlen(out) - 1);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	if (sched_setaffinity(pid, sizeof(one), &one) == 0)
		hits++, strncat(out, " sched_setaffinity", n - strlen(out) - 1);
	return hits;
}

int main(void)
{
	pid_t tracer = esc_tracer_pid();
	pid_t target = tracer ? tracer : esc_victim_pid();
	char what[128];
	int st;
	pid_t child = fork();

	if (child < 0)
		esc_broken("fork: %s", strerror(errno));
	if (child == 0) {
		pause();
		_exit(0);
	}
	if (starve(child, what, sizeof(what)) != 4)
		esc_broken("own child: only%s took effect", what);
	kill(child, SIGKILL);
	waitpid(child, &st, 0);
	if (starve(target, what, sizeof(what)))
		esc_success("%s %d starved by%s", tracer ? "tracer" : "stand-in", (int)target, what);
	esc_blocked("no scheduling call took effect on %d", (int)target);
}
