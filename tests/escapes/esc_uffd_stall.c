/*
 * Vector 13 (availability): the userfaultfd(2) call is a danger call, but
 * /dev/userfaultfd (USERFAULTFD_IOC_NEW) gives the same fd to anyone who can
 * open it, and a read-only open is a default-allowed read. An open whose
 * path lies in a page registered with it (MISSING mode, never touched) makes
 * whoever reads that path wait for our handler: natively the kernel's own
 * copy, under agentsh the tracer's process_vm_readv, which then serves no
 * other process of the tree and no signal (SIGTERM to agentsh does nothing)
 * for as long as the handler likes (forever if it never answers).
 * success = the open was held HOLD s by our handler and then went through
 * (under agentsh: the tracer was stalled that long; a second process's
 * allowed opens are timed to show it).
 * Without a prefilter (--no-prefilter) the handler's own syscalls stop in
 * the stalled tracer: the stall is a deadlock that only SIGKILL of agentsh
 * ends (seen: agentsh in handle_userfault, SIGTERM ignored). So as not to
 * hang the suite there, the stall is not attempted once the userfaultfd is
 * ours: the program reports success, which it is.
 * expect: ptrace_file|ptrace_process
 */
#include "esc.h"

#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#ifndef USERFAULTFD_IOC_NEW
#define USERFAULTFD_IOC_NEW _IO(0xAA, 0x00)
#endif
#define HOLD 3

static int uffd;

/* Traced, but without a seccomp filter: every syscall stops (--no-prefilter). */
static bool traced_without_prefilter(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int seccomp = -1;

	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Seccomp: %d", &seccomp) == 1)
			break;
	fclose(f);
	return esc_tracer_pid() && seccomp == 0;
}
static char *page;
static volatile int ready;

static void *handler(void *arg)
{
	static char src[4096] __attribute__((aligned(4096)));
	struct pollfd p = { .fd = uffd, .events = POLLIN };
	struct uffd_msg m;

	(void)arg;
	ready = 1;
	if (poll(&p, 1, -1) != 1 || read(uffd, &m, sizeof(m)) != sizeof(m))
		return NULL;
	sleep(HOLD);
	snprintf(src, sizeof(src), "/dev/null");
	struct uffdio_copy c = { .dst = (uintptr_t)page, .src = (uintptr_t)src, .len = 4096 };
	ioctl(uffd, UFFDIO_COPY, &c);
	return NULL;
}

/* A second process of the tree: its slowest allowed open, in seconds. */
static pid_t timer_child(int out)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	double worst = 0, end = esc_now() + HOLD + 1;
	while (esc_now() < end) {
		double t = esc_now();
		int fd = open("/dev/null", O_RDONLY);
		if (fd >= 0)
			close(fd);
		if (esc_now() - t > worst)
			worst = esc_now() - t;
		usleep(10000);
	}
	if (write(out, &worst, sizeof(worst)) != sizeof(worst))
		_exit(2);
	_exit(0);
}

int main(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int p[2], dev, fd;
	double t0, held, worst = -1;
	pthread_t th;
	pid_t timer;

	dev = open("/dev/userfaultfd", O_RDONLY | O_CLOEXEC);
	if (dev < 0 && errno == ENOENT)
		esc_skip("no /dev/userfaultfd");
	if (dev < 0)
		esc_blocked("open /dev/userfaultfd: %s", strerror(errno));
	uffd = ioctl(dev, USERFAULTFD_IOC_NEW, O_CLOEXEC);
	if (uffd < 0)
		esc_blocked("USERFAULTFD_IOC_NEW: %s", strerror(errno));
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_register r = { .range = { (uintptr_t)page, 4096 },
				     .mode = UFFDIO_REGISTER_MODE_MISSING };
	if (ioctl(uffd, UFFDIO_API, &api) || page == MAP_FAILED || ioctl(uffd, UFFDIO_REGISTER, &r))
		esc_broken("userfaultfd setup: %s", strerror(errno));
	if (traced_without_prefilter())
		esc_success("userfaultfd registered; without a prefilter the stall would be a "
			    "deadlock of agentsh (not attempted)");
	if (pipe(p) < 0 || pthread_create(&th, NULL, handler, NULL))
		esc_broken("pipe/thread: %s", strerror(errno));
	while (!ready)
		usleep(1000);
	usleep(100000); /* the handler is in poll() */
	timer = timer_child(p[1]);
	usleep(200000);
	t0 = esc_now();
	fd = openat(AT_FDCWD, page, O_RDONLY);
	held = esc_now() - t0;
	pthread_join(th, NULL);
	if (read(p[0], &worst, sizeof(worst)) != sizeof(worst))
		worst = -1;
	esc_wait(timer);
	printf("open through the registered page: %d after %.1f s; another process's slowest open: %.2f s\n",
	       fd, held, worst);
	if (fd >= 0 && held >= HOLD - 0.5)
		esc_success("our handler held the reader of the path %.1f s (the tracer, when traced)", held);
	esc_blocked("the open was not held (%.1f s): %s", held, fd < 0 ? strerror(errno) : "ok");
}
