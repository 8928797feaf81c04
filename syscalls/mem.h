/* Reading (and writing) a stopped tracee's memory; every length is bounded. */
#ifndef AGENTSH_MEM_H
#define AGENTSH_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads exactly len bytes. 0 or -errno (-EFAULT for unmapped memory). */
int mem_read(pid_t tid, uint64_t addr, void *buf, size_t len);
/* Reads a NUL-terminated string of at most cap-1 bytes. Returns its length,
 * -ENAMETOOLONG when no NUL is found within cap, or -errno. */
ssize_t mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap);
/*
 * Reads of many small objects (an argv: its pointer array, then each
 * string) through a few whole pages read once: one process_vm_readv a page
 * instead of two per argument. Valid for one stop of one tracee (the pages
 * are copies). Same results as mem_read / mem_read_str.
 */
#define MEM_PAGES 4
struct mem_pages {
	pid_t tid;
	unsigned next;
	uint64_t addr[MEM_PAGES]; /* page address + 1; 0 empty */
	char data[MEM_PAGES][4096];
};
void mem_pages_init(struct mem_pages *pc, pid_t tid);
int mem_pages_read(struct mem_pages *pc, uint64_t addr, void *buf, size_t len);
ssize_t mem_pages_read_str(struct mem_pages *pc, uint64_t addr, char *buf, size_t cap);

/* Writes len bytes through /proc/PID/mem (works on read-only mappings). */
int mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len);

#endif /* !AGENTSH_MEM_H */
