/*
 * Vector 8 (processes outside the tree): /proc/PID entries that a process
 * may write change another process's life, not only describe it:
 * oom_score_adj (made the OOM killer's first choice), comm (renamed in ps
 * and in the signal rules that match names), timerslack_ns (slowed). The
 * tracer and any process outside the session are not the tree's to change.
 * Writes ESC_VICTIM_PID's oom_score_adj and comm.
 * success = the victim's oom_score_adj or comm changed.
 * expect: ptrace_file
 * expect-match: deny-foreign-process
 */
#include "esc.h"

static bool write_entry(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	bool ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);

	if (fd >= 0)
		close(fd);
	return ok;
}

static const char *read_entry(const char *path)
{
	static char buf[64];
	int fd = open(path, O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	return buf;
}

int main(void)
{
	const char *victim = esc_env("ESC_VICTIM_PID");
	const char *oom = esc_fmt("/proc/%s/oom_score_adj", victim);
	const char *comm = esc_fmt("/proc/%s/comm", victim);
	char oom_before[64], comm_before[64];

	snprintf(oom_before, sizeof(oom_before), "%s", read_entry(oom));
	snprintf(comm_before, sizeof(comm_before), "%s", read_entry(comm));
	if (!comm_before[0])
		esc_broken("cannot read %s", comm);
	write_entry(oom, strcmp(oom_before, "1000") ? "1000" : "999");
	write_entry(comm, "esc-renamed");
	if (strcmp(read_entry(oom), oom_before) != 0)
		esc_success("%s changed from %s to %s", oom, oom_before, read_entry(oom));
	if (strcmp(read_entry(comm), comm_before) != 0)
		esc_success("%s changed from %s to %s", comm, comm_before, read_entry(comm));
	esc_blocked("the victim's oom_score_adj and comm are unchanged");
}
