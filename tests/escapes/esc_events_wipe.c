/*
 * Vectors 9, 14: erase the audit trail. Make a denied open (its deny event is
 * what to erase), take the tracer's events file with pidfd_open + pidfd_getfd
 * (the fd whose /proc link ends in .jsonl: a writable fd, whatever the policy
 * says of its path) and ftruncate it to 0 bytes. Natively there is no tracer:
 * a child of ours holding work/standin.events.jsonl stands in for it.
 * run.sh fails the test either way the erasure succeeds: exit 0, or no deny
 * event left in the events file.
 * expect: ptrace_process|ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <signal.h>

/* A child holding an events file open for appending, as the tracer does. */
static pid_t stand_in(void)
{
	return esc_standin_file("standin.events.jsonl", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
				"{\"deny\":1}\n");
}

static bool is_jsonl(const char *link, const void *arg)
{
	size_t n = strlen(link);

	(void)arg;
	return n > 6 && strcmp(link + n - 6, ".jsonl") == 0;
}

/* pid's fd whose /proc link ends in .jsonl, as our fd; -1 if none. */
static int steal_events(pid_t pid)
{
	return esc_steal_fd(pid, is_jsonl, NULL);
}

int main(void)
{
	pid_t tracer = esc_tracer_pid();
	pid_t holder = tracer ? tracer : stand_in();
	struct stat st;

	setvbuf(stdout, NULL, _IONBF, 0);
	int fd = open(esc_secret_path(), O_RDONLY); /* the event to erase */
	printf("open of the secret: %s\n", fd >= 0 ? "allowed" : strerror(errno));
	int ev = steal_events(holder);
	int saved = errno;
	if (!tracer) {
		kill(holder, SIGKILL);
		esc_wait(holder);
	}
	if (ev < 0)
		esc_blocked("could not take the events fd: %s", strerror(saved));
	if (fstat(ev, &st) < 0 || st.st_size == 0)
		esc_blocked("the events file is empty or gone");
	printf("events file: %lld bytes\n", (long long)st.st_size);
	if (ftruncate(ev, 0) < 0)
		esc_blocked("ftruncate of the events file: %s", strerror(errno));
	if (fstat(ev, &st) == 0 && st.st_size == 0)
		esc_success("the events file was truncated to 0 bytes");
	esc_blocked("the events file still holds %lld bytes", (long long)st.st_size);
}
