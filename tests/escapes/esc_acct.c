/*
 * Vector 4: acct(2) names a file the kernel opens O_WRONLY|O_APPEND itself and
 * appends a record to at every process exit: acct(protected/victim.txt), a
 * child exits, acct(NULL). Root only (CAP_SYS_PACCT); accounting is switched
 * off again at once.
 * expect: ptrace_file|ptrace_process
 * expect-match: protected
 */
#include "esc.h"
#include <sys/acct.h>

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	struct stat before, after;

	if (stat(victim, &before) < 0)
		esc_broken("stat: %s", strerror(errno));
	if (acct(victim) < 0) {
		if (errno == ENOSYS)
			esc_skip("no CONFIG_BSD_PROCESS_ACCT");
		if (errno == EPERM && !esc_tracer_pid())
			esc_skip("acct needs CAP_SYS_PACCT");
		esc_blocked("acct(protected/victim.txt): %s", strerror(errno));
	}
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	esc_wait(pid);
	acct(NULL);
	if (stat(victim, &after) == 0 && after.st_size > before.st_size)
		esc_success("protected/victim.txt grew from %lld to %lld bytes",
			    (long long)before.st_size, (long long)after.st_size);
	esc_blocked("acct was accepted but victim.txt did not grow");
}
