/* What /proc/PID/stat says of a process that the callers need. */
#ifndef AGENTSH_PROCSTAT_H
#define AGENTSH_PROCSTAT_H

#include <sys/types.h>

/* One read of a small /proc file into buf (NUL-terminated, at most cap - 1
 * bytes: a file generated at open is read whole if it fits). Its length,
 * or -errno (-EIO when empty). */
ssize_t proc_read(const char *path, char *buf, size_t cap);
/* The state letter (R, S, Z ...) and parent pid of pid: 0, or -errno when
 * it cannot be read (gone, another namespace). */
int proc_stat(pid_t pid, char *state, pid_t *ppid);
/* The same and its process group. */
int proc_stat_ids(pid_t pid, char *state, pid_t *ppid, pid_t *pgrp);

#endif /* !AGENTSH_PROCSTAT_H */
