/*
 * Vector 9: SIGKILL the tracer (TracerPid in /proc/self/status), then read
 * the secret untraced. Natively there is no tracer: run.sh's outside victim
 * stands in for it, which proves the kill itself works.
 * expect: ptrace_signal
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	pid_t tracer = esc_tracer_pid();
	pid_t target = tracer ? tracer : esc_victim_pid();
	if (kill(target, SIGKILL) < 0)
		esc_blocked("kill(%s %d, SIGKILL): %s", tracer ? "tracer" : "stand-in", (int)target,
			    strerror(errno));
	usleep(100 * 1000);
	esc_finish_fd(open(esc_secret_path(), O_RDONLY), "open after killing the tracer");
}
