/*
 * Beyond the threat model's list ("the machine itself", like sethostname):
 * ioctls that act on a whole file system through any fd on it, even a
 * read-only fd of a file the policy allows: FS_IOC_SETFSLABEL renames the
 * file system, FIFREEZE freezes it (every writer on the host blocks, agentsh
 * writing its events included, until FITHAW), EXT4_IOC_SHUTDOWN kills it.
 * Only a few ioctl commands are traced (tracer/prefilter.c ioctl_cmds).
 * Here, harmless natively: FS_IOC_SETFSLABEL with the label the file system
 * already has, through a read-only fd of the directory work/. (On a
 * loop-mounted scratch ext4, agentsh wrap also let FIFREEZE and FITHAW and a
 * new label through, under a policy allowing that mount read-only.)
 * expect: ptrace_process
 * expect-match: ioctl
 */
#include "esc.h"
#include <linux/fs.h>
#include <sys/ioctl.h>

int main(void)
{
	char label[FSLABEL_MAX + 1] = "";
	int fd = open(esc_work(), O_RDONLY | O_DIRECTORY);

	if (fd < 0)
		esc_broken("open work/: %s", strerror(errno));
	if (ioctl(fd, FS_IOC_GETFSLABEL, label) < 0)
		esc_skip("FS_IOC_GETFSLABEL: %s (this file system has no label ioctls)",
			 strerror(errno));
	if (ioctl(fd, FS_IOC_SETFSLABEL, label) < 0)
		esc_blocked("FS_IOC_SETFSLABEL: %s", strerror(errno));
	esc_success("relabelled the file system holding the workspace (to \"%s\", its own label)",
		    label);
}
