/*
 * Vector 12: AF_UNIX datagrams to an abstract name: bind a receiver on a
 * denied @agentsh-esc-* name, then an unconnected sendto() to it (no connect
 * to check). Under agentsh the bind or the sendto must be denied.
 * expect: ptrace_unix
 */
#include "esc.h"
#include <sys/un.h>

int main(void)
{
	const char *name = esc_fmt("%s-dgram", esc_env("ESC_ABSTRACT"));
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	memcpy(sun.sun_path + 1, name, n);
	socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (bind(rx, (struct sockaddr *)&sun, len) < 0)
		esc_blocked("bind(@%s): %s", name, strerror(errno));
	int tx = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (sendto(tx, ESC_BANNER, sizeof(ESC_BANNER), 0, (struct sockaddr *)&sun, len) < 0)
		esc_blocked("sendto(@%s): %s", name, strerror(errno));
	if (esc_recv_contains(rx, ESC_BANNER, 2000))
		esc_success("bound and reached abstract @%s with a datagram", name);
	esc_blocked("datagram lost");
}
