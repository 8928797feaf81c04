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
/* Writes len bytes through /proc/PID/mem (works on read-only mappings). */
int mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len);

#endif /* !AGENTSH_MEM_H */
