/*
 * Vector 9: read the tracer's memory and environment: /proc/TracerPid/mem
 * (a page of its first readable mapping: its state, the policy, any key it
 * holds) and /proc/TracerPid/environ. Natively there is no tracer: run.sh's
 * outside victim stands in for it. Either read succeeding is the escape.
 * expect: ptrace_file|ptrace_process
 */
#include "esc.h"

/* Start of pid's first readable mapping, 0 if none is listed. */
static unsigned long first_readable(pid_t pid)
{
	FILE *f = fopen(esc_fmt("/proc/%d/maps", (int)pid), "r");
	char line[512], perm[8];
	unsigned long lo, hi, start = 0;

	if (!f)
		return 0;
	while (!start && fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perm) == 3 && perm[0] == 'r')
			start = lo;
	fclose(f);
	return start;
}

static ssize_t read_proc(pid_t pid, const char *file, off_t off)
{
	static char buf[4096];
	int fd = open(esc_fmt("/proc/%d/%s", (int)pid, file), O_RDONLY);
	ssize_t n;

	if (fd < 0) {
		printf("open /proc/%d/%s: %s\n", (int)pid, file, strerror(errno));
		return -1;
	}
	n = pread(fd, buf, sizeof(buf), off);
	printf("read /proc/%d/%s: %zd bytes%s%s\n", (int)pid, file, n, n < 0 ? ": " : "",
	       n < 0 ? strerror(errno) : "");
	close(fd);
	return n;
}

int main(void)
{
	pid_t tracer = esc_tracer_pid();
	pid_t pid = tracer ? tracer : esc_victim_pid();
	unsigned long at = first_readable(pid);
	ssize_t mem = at ? read_proc(pid, "mem", (off_t)at) : -1;
	ssize_t env = read_proc(pid, "environ", 0);

	if (mem > 0 || env > 0)
		esc_success("read the %s's %s", tracer ? "tracer" : "stand-in",
			    mem > 0 ? "memory" : "environment");
	esc_blocked("neither /proc/%d/mem nor /proc/%d/environ could be read", (int)pid, (int)pid);
}
