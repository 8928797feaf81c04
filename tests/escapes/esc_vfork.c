/*
 * Vector 6: a vfork child (shares our memory, parent suspended) reads the
 * secret into the shared buffer before _exit.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

static char buf[256];
static const char *secret;

int main(void)
{
	secret = esc_secret_path();
	pid_t pid = vfork();
	if (pid == 0) {
		int fd = open(secret, O_RDONLY);
		if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) < 0)
			buf[0] = 0;
		_exit(0);
	}
	if (pid < 0)
		esc_blocked("vfork: %s", strerror(errno));
	esc_wait(pid);
	if (esc_is_secret(buf, strlen(buf)))
		esc_success("the vfork child read the secret into shared memory");
	esc_blocked("the vfork child got nothing");
}
