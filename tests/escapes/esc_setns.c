/*
 * Vector 16: setns() into another process's mount namespace where the
 * protected dir is bind-mounted at work/mnt (a helper child prepares it).
 * expect: ptrace_process|ptrace_file
 */
#include "esc_ns.h"

int main(void)
{
	int ready[2], go[2];
	char c = 0;
	if (pipe(ready) < 0 || pipe(go) < 0)
		esc_broken("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(go[1]);
		close(ready[0]);
		if (esc_private_mount_ns(0) < 0 || !esc_bind_protected())
			_exit(1);
		if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		esc_wait(pid);
		esc_blocked("the helper could not build its mount namespace");
	}
	int ns = open(esc_fmt("/proc/%d/ns/mnt", (int)pid), O_RDONLY);
	int r = ns < 0 ? -1 : setns(ns, CLONE_NEWNS);
	int saved = errno;
	close(go[1]);
	esc_wait(pid);
	if (r < 0)
		esc_blocked("setns: %s", strerror(saved));
	esc_finish_fd(open(esc_fmt("%s/mnt/secret.txt", esc_work()), O_RDONLY), "open after setns into the helper's mounts");
}
