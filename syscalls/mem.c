#include "compat.h"
#include "mem.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/uio.h>

static int mem_proc_fd(pid_t tid, int flags)
{
	char p[64];

	snprintf(p, sizeof(p), "/proc/%d/mem", tid);
	return open(p, flags | O_CLOEXEC);
}

/* Fallback where process_vm_readv is refused (gVisor, seccomp'd hosts). */
static ssize_t mem_read_proc(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	_cleanup_close_ int fd = mem_proc_fd(tid, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pread(fd, buf, len, (off_t)addr);
	return n < 0 ? -errno : n;
}

static ssize_t mem_read_some(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(tid, &local, 1, &remote, 1, 0);

	if (n >= 0)
		return n;
	if (errno == EFAULT || errno == ESRCH)
		return -errno;
	return mem_read_proc(tid, addr, buf, len);
}

int mem_read(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;

	if (addr == 0 && len)
		return -EFAULT;
	while (done < len) {
		ssize_t n = mem_read_some(tid, addr + done, (char *)buf + done, len - done);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return -EFAULT;
		done += (size_t)n;
	}
	return 0;
}

/* Page by page, so a string ending just before an unmapped page reads fine. */
ssize_t mem_read_str(pid_t tid, uint64_t addr, char *buf, size_t cap)
{
	const size_t page = 4096;
	size_t done = 0;

	if (addr == 0)
		return -EFAULT;
	while (done < cap) {
		size_t chunk = page - ((addr + done) % page);
		ssize_t n;
		char *nul;

		if (chunk > cap - done)
			chunk = cap - done;
		n = mem_read_some(tid, addr + done, buf + done, chunk);
		if (n <= 0)
			return n < 0 ? n : -EFAULT;
		nul = memchr(buf + done, 0, (size_t)n);
		if (nul)
			return nul - buf;
		done += (size_t)n;
	}
	buf[cap - 1] = 0;
	return -ENAMETOOLONG;
}

void mem_pages_init(struct mem_pages *pc, pid_t tid)
{
	pc->tid = tid;
	pc->next = 0;
	memset(pc->addr, 0, sizeof(pc->addr));
}

/* The copy of the page holding addr; NULL with errno set when unmapped. */
static const char *page_of(struct mem_pages *pc, uint64_t addr)
{
	uint64_t page = addr & ~4095ull;
	unsigned i = pc->next;

	for (unsigned k = 0; k < MEM_PAGES; k++)
		if (pc->addr[k] == page + 1)
			return pc->data[k];
	if (mem_read(pc->tid, page, pc->data[i], 4096) < 0) {
		errno = EFAULT;
		return NULL;
	}
	pc->addr[i] = page + 1;
	pc->next = (i + 1) % MEM_PAGES;
	return pc->data[i];
}

int mem_pages_read(struct mem_pages *pc, uint64_t addr, void *buf, size_t len)
{
	size_t done = 0;

	if (addr == 0 && len)
		return -EFAULT;
	while (done < len) {
		uint64_t a = addr + done;
		size_t off = (size_t)(a & 4095), chunk = 4096 - off;
		const char *pg = page_of(pc, a);

		if (!pg)
			return mem_read(pc->tid, addr, buf, len); /* its own error */
		if (chunk > len - done)
			chunk = len - done;
		memcpy((char *)buf + done, pg + off, chunk);
		done += chunk;
	}
	return 0;
}

ssize_t mem_pages_read_str(struct mem_pages *pc, uint64_t addr, char *buf, size_t cap)
{
	size_t done = 0;

	if (addr == 0)
		return -EFAULT;
	while (done < cap) {
		uint64_t a = addr + done;
		size_t off = (size_t)(a & 4095), chunk = 4096 - off;
		const char *pg = page_of(pc, a);
		const char *nul;

		if (!pg) /* a page we could not read whole: the slow way decides */
			return mem_read_str(pc->tid, addr, buf, cap);
		if (chunk > cap - done)
			chunk = cap - done;
		memcpy(buf + done, pg + off, chunk);
		nul = memchr(buf + done, 0, chunk);
		if (nul)
			return nul - buf;
		done += chunk;
	}
	buf[cap - 1] = 0;
	return -ENAMETOOLONG;
}

int mem_write(pid_t tid, uint64_t addr, const void *buf, size_t len)
{
	_cleanup_close_ int fd = mem_proc_fd(tid, O_RDWR);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = pwrite(fd, buf, len, (off_t)addr);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}
