/*
 * Vector 9: process_vm_writev into a sibling tracee (e.g. to rewrite a path
 * the tracer pinned, or any checked argument). success = the sibling sees it.
 * expect: ptrace_process
 */
#include "esc_sibling.h"
#include <sys/uio.h>

int main(void)
{
	pid_t pid = esc_sibling_start();
	char val[] = "pwned";
	struct iovec l = { val, sizeof(val) }, r = { (void *)esc_sibling_flag, sizeof(val) };
	ssize_t n = process_vm_writev(pid, &l, 1, &r, 1, 0);
	int saved = errno;
	if (n < 0)
		kill(pid, SIGKILL);
	int st = esc_wait(pid);
	if (n == (ssize_t)sizeof(val) && st == 0)
		esc_success("process_vm_writev changed the sibling's memory");
	esc_blocked("process_vm_writev: %s (sibling exit %d)", n < 0 ? strerror(saved) : "short", st);
}
