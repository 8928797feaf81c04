/*
 * Vector 13: more processes than max_tracees (the run uses 16); every child
 * then reads the secret, hoping the ones beyond the limit run untraced.
 * success = any child read it. Under agentsh the forks beyond the limit must
 * fail (EAGAIN) and the traced ones be denied.
 * expect: ptrace_process|ptrace_file
 * wrap-args: --max-tracees 16
 */
#include "esc.h"

#define N 48

int main(void)
{
	int go[2];
	if (pipe(go) < 0)
		esc_broken("pipe");
	const char *secret = esc_secret_path();
	pid_t kids[N];
	int forked = 0, fork_err = 0;
	for (int i = 0; i < N; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			fork_err = errno;
			continue;
		}
		if (pid == 0) {
			char c;
			close(go[1]);
			if (read(go[0], &c, 1) < 0)
				_exit(2);
			int fd = open(secret, O_RDONLY);
			_exit(fd >= 0 && esc_fd_has_secret(fd) ? 0 : 1);
		}
		kids[forked++] = pid;
	}
	close(go[1]);
	int readers = 0;
	for (int i = 0; i < forked; i++)
		readers += esc_wait(kids[i]) == 0;
	fprintf(stderr, "forked %d/%d (last fork error: %s), %d read the secret\n", forked, N,
		fork_err ? strerror(fork_err) : "none", readers);
	if (readers)
		esc_success("%d of %d processes read the secret", readers, forked);
	esc_blocked("no process read the secret");
}
