/*
 * Vector 4: bind() of a unix path socket creates a file (a socket inode)
 * at its name. It is judged by unix_socket_rules only: a policy that lets
 * the tree use sockets below the fixture (esc_unix_bind_create.yaml) but
 * denies every file operation below protected/ lets it plant a file there.
 * success = protected/planted.sock exists.
 * expect: ptrace_file|ptrace_unix
 * expect-match: planted.sock
 */
#include "esc.h"
#include <sys/un.h>

int main(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *path = esc_fmt("%s/planted.sock", esc_protected());
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	if (s < 0)
		esc_broken("socket: %s", strerror(errno));
	if (strlen(path) >= sizeof(sun.sun_path))
		esc_skip("fixture path too long for sun_path");
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (bind(s, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		esc_blocked("bind %s: %s", path, strerror(errno));
	if (esc_exists(path))
		esc_success("bind created %s", path);
	esc_blocked("bind returned 0 but %s does not exist", path);
}
