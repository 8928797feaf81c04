/*
 * Vector 12: a blocked socket family: AF_ALG (kernel crypto API, a frequent
 * kernel attack surface). success = socket + bind to sha256 worked.
 * expect: ptrace_network|ptrace_process
 */
#include "esc.h"
#include <linux/if_alg.h>

int main(void)
{
	int s = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (s < 0) {
		if (errno == EAFNOSUPPORT && !esc_tracer_pid())
			esc_skip("AF_ALG not available in this kernel");
		esc_blocked("socket(AF_ALG): %s", strerror(errno));
	}
	struct sockaddr_alg sa = { .salg_family = AF_ALG, .salg_type = "hash", .salg_name = "sha256" };
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (errno == ENOENT && !esc_tracer_pid())
			esc_skip("AF_ALG has no sha256 here");
		esc_blocked("bind(AF_ALG sha256): %s", strerror(errno));
	}
	esc_success("opened an AF_ALG socket");
}
