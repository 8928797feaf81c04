/*
 * Vector 12: connect to an abstract AF_UNIX socket (no file, no path rule can
 * see it; unix_socket_rules deny @agentsh-esc-*).
 * expect: ptrace_unix
 */
#include "esc.h"
#include <sys/un.h>

int main(void)
{
	const char *name = esc_env("ESC_ABSTRACT");
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	if (n + 1 > sizeof(sun.sun_path))
		esc_broken("abstract name too long");
	memcpy(sun.sun_path + 1, name, n);
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0)
		esc_blocked("connect(@%s): %s", name, strerror(errno));
	if (esc_recv_contains(s, ESC_BANNER, 2000))
		esc_success("connected to abstract @%s", name);
	esc_blocked("connected but no banner");
}
