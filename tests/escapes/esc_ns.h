/* Helpers of the namespace escapes. */
#ifndef AGENTSH_ESC_NS_H
#define AGENTSH_ESC_NS_H

#include "esc.h"
#include <sched.h>
#include <sys/mount.h>

/* A private mount namespace (so nothing leaks to the host); 0 or -errno. */
static inline int esc_private_mount_ns(int extra_flags)
{
	if (unshare(CLONE_NEWNS | extra_flags) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	return 0;
}

/* Bind-mount the protected dir onto work/mnt; returns the mount point or NULL. */
static inline const char *esc_bind_protected(void)
{
	const char *mnt = esc_fmt("%s/mnt", esc_work());
	mkdir(mnt, 0755);
	if (mount(esc_protected(), mnt, NULL, MS_BIND, NULL) < 0)
		return NULL;
	return mnt;
}

static inline void esc_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			fprintf(stderr, "write %s: %s\n", path, strerror(errno));
		close(fd);
	}
}

#endif /* AGENTSH_ESC_NS_H */
