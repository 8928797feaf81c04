#include "compat.h"
#include "procstat.h"

#include <fcntl.h>
#include <stdio.h>

int proc_stat(pid_t pid, char *state, pid_t *ppid)
{
	pid_t pgrp;

	return proc_stat_ids(pid, state, ppid, &pgrp);
}

int proc_stat_ids(pid_t pid, char *state, pid_t *ppid, pid_t *pgrp)
{
	char path[64], buf[512], *close_paren;
	int fd, pp = 0, pg = 0;
	char st = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -EIO;
	buf[n] = 0;
	close_paren = strrchr(buf, ')'); /* the name before it may hold anything */
	if (!close_paren || sscanf(close_paren + 1, " %c %d %d", &st, &pp, &pg) != 3)
		return -EIO;
	*state = st;
	*ppid = pp;
	*pgrp = pg;
	return 0;
}
