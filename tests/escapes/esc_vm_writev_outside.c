/*
 * Vector 9: process_vm_writev into a process OUTSIDE the tree (run.sh's
 * victim). We write back the bytes we read, so the victim is unharmed; the
 * point is that the write was permitted.
 * expect: ptrace_process
 */
#include "esc.h"
#include <sys/uio.h>

static unsigned long esc_rw_addr(pid_t pid)
{
	FILE *f = fopen(esc_fmt("/proc/%d/maps", (int)pid), "r");
	char line[512];
	unsigned long lo = 0, hi;
	char perms[8];
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%lx-%lx %7s", &lo, &hi, perms) == 3 && perms[0] == 'r' && perms[1] == 'w')
			break;
		else
			lo = 0;
	fclose(f);
	return lo;
}

int main(void)
{
	pid_t victim = esc_victim_pid();
	unsigned long addr = esc_rw_addr(victim);
	if (!addr)
		esc_blocked("no writable mapping found in /proc/%d/maps", (int)victim);
	char buf[8];
	struct iovec l = { buf, sizeof(buf) }, r = { (void *)addr, sizeof(buf) };
	if (process_vm_readv(victim, &l, 1, &r, 1, 0) != sizeof(buf))
		esc_blocked("process_vm_readv: %s", strerror(errno));
	if (process_vm_writev(victim, &l, 1, &r, 1, 0) != sizeof(buf))
		esc_blocked("process_vm_writev: %s", strerror(errno));
	esc_success("wrote into outside pid %d at %#lx", (int)victim, addr);
}
