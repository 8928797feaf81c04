/*
 * Beyond the threat model's list (tracer interference, 9): TIOCSTI types
 * into a terminal. Into the user's interactive shell that is a command run
 * outside the session once it ends. Here the terminal is a pty of our own:
 * the attack succeeds when the typed line reaches its input queue.
 * expect: ptrace_process
 * expect-match: ioctl
 */
#include "esc.h"

#include <sys/ioctl.h>

int main(void)
{
	const char *line = "echo injected\n";
	char buf[64];
	int master = posix_openpt(O_RDWR | O_NOCTTY), slave;
	ssize_t n;

	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
		esc_broken("pty: %s", strerror(errno));
	slave = open(ptsname(master), O_RDWR | O_NOCTTY | O_NONBLOCK);
	if (slave < 0)
		esc_broken("%s: %s", ptsname(master), strerror(errno));
	for (const char *c = line; *c; c++)
		if (ioctl(slave, TIOCSTI, c) < 0)
			esc_blocked("TIOCSTI: %s", strerror(errno));
	n = read(slave, buf, sizeof(buf) - 1);
	if (n > 0 && (buf[n] = 0, strstr(buf, "injected")))
		esc_success("typed \"%s\" into a terminal's input", "echo injected");
	esc_blocked("nothing typed arrived (%zd)", n);
}
