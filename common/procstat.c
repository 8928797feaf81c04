#include "compat.h"
#include "procstat.h"

#include <fcntl.h>
#include <stdio.h>

ssize_t proc_read(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	err = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? -err : -EIO;
	buf[n] = 0;
	return n;
}

int proc_stat(pid_t pid, char *state, pid_t *ppid)
{
	pid_t pgrp;

	return proc_stat_ids(pid, state, ppid, &pgrp);
}

int proc_stat_ids(pid_t pid, char *state, pid_t *ppid, pid_t *pgrp)
{
	char path[64], buf[512], *close_paren;
	int pp = 0, pg = 0;
	char st = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if ((n = proc_read(path, buf, sizeof(buf))) < 0)
		return (int)n;
	close_paren = strrchr(buf, ')'); /* the name before it may hold anything */
	if (!close_paren || sscanf(close_paren + 1, " %c %d %d", &st, &pp, &pg) != 3)
		return -EIO;
	*state = st;
	*ppid = pp;
	*pgrp = pg;
	return 0;
}
