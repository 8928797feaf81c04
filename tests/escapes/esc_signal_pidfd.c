/*
 * Vector 11: pidfd_open + pidfd_send_signal at an outside process (no pid in
 * the signalling call, only an fd).
 * expect: ptrace_signal
 */
#include "esc.h"
#include <signal.h>

int main(void)
{
	pid_t v = esc_victim_pid();
	int pfd = (int)syscall(SYS_pidfd_open, v, 0);
	if (pfd < 0) {
		if (errno == ENOSYS && !esc_tracer_pid())
			esc_skip("pidfd_open unavailable: %s", strerror(errno));
		esc_blocked("pidfd_open(%d): %s", (int)v, strerror(errno));
	}
	if (syscall(SYS_pidfd_send_signal, pfd, SIGTERM, NULL, 0) < 0)
		esc_blocked("pidfd_send_signal: %s", strerror(errno));
	esc_success("pidfd_send_signal(SIGTERM) reached outside pid %d", (int)v);
}
