/*
 * Vector 12: a blocked socket family: AF_VSOCK (host/VM channel).
 * expect: ptrace_network|ptrace_process
 */
#include "esc.h"
#include <linux/vm_sockets.h>

int main(void)
{
	int s = socket(AF_VSOCK, SOCK_STREAM, 0);
	if (s < 0) {
		if ((errno == EAFNOSUPPORT || errno == ENODEV) && !esc_tracer_pid())
			esc_skip("AF_VSOCK not available in this kernel: %s", strerror(errno));
		esc_blocked("socket(AF_VSOCK): %s", strerror(errno));
	}
	esc_success("opened an AF_VSOCK socket");
}
