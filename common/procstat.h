/* What /proc/PID/stat says of a process that the callers need. */
#ifndef AGENTSH_PROCSTAT_H
#define AGENTSH_PROCSTAT_H

#include <sys/types.h>

/* The state letter (R, S, Z ...) and parent pid of pid: 0, or -errno when
 * it cannot be read (gone, another namespace). */
int proc_stat(pid_t pid, char *state, pid_t *ppid);
/* The same and its process group. */
int proc_stat_ids(pid_t pid, char *state, pid_t *ppid, pid_t *pgrp);

#endif /* !AGENTSH_PROCSTAT_H */
