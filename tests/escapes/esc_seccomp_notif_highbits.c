/*
 * Vector 10: esc_seccomp_notif with the operation in the upper bits:
 * seccomp(2)'s operation is an unsigned int, so SECCOMP_SET_MODE_FILTER |
 * 1 << 32 installs a filter to the kernel, while a decision comparing the
 * whole 64-bit argument sees no SET_MODE_FILTER and so no NEW_LISTENER to
 * refuse. Our own USER_NOTIF filter on openat (it outranks the prefilter's
 * TRACE) is answered FLAG_CONTINUE by our supervisor thread: the tracer
 * never sees the open.
 * expect: ptrace_process|ptrace_file
 */
#include "esc_seccomp.h"

/* esc_seccomp_install with the operation's upper bits set. */
static int install_high(int nr, unsigned action, unsigned flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, action),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	long r = syscall(SYS_seccomp, (1UL << 32) | SECCOMP_SET_MODE_FILTER, (unsigned long)flags, &prog);
	return r < 0 ? -errno : (int)r;
}
#include <pthread.h>
#include <sys/ioctl.h>

/* Not -1: a denied install returns -EPERM, which is -1. */
#define NO_LISTENER_YET (-100000)
static int listener = NO_LISTENER_YET;
static volatile int opened = -2;
static const char *secret;

static void *worker(void *arg)
{
	(void)arg;
	/* Only this thread is filtered (no TSYNC): the supervisor stays free. */
	int fd = install_high(SYS_openat, SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
	if (fd < 0) {
		fprintf(stderr, "seccomp(NEW_LISTENER): %s\n", strerror(-fd));
		__atomic_store_n(&listener, fd, __ATOMIC_RELEASE);
		return NULL;
	}
	__atomic_store_n(&listener, fd, __ATOMIC_RELEASE);
	opened = openat(AT_FDCWD, secret, O_RDONLY);
	return NULL;
}

int main(void)
{
	secret = esc_secret_path();
	pthread_t t;
	pthread_create(&t, NULL, worker, NULL);
	int fd;
	while ((fd = __atomic_load_n(&listener, __ATOMIC_ACQUIRE)) == NO_LISTENER_YET)
		usleep(1000);
	if (fd < 0) {
		pthread_join(t, NULL);
		esc_blocked("could not install a filter with a listener: %s", strerror(-fd));
	}
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, 5000) > 0) {
		memset(&req, 0, sizeof(req));
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) == 0) {
			memset(&resp, 0, sizeof(resp));
			resp.id = req.id;
			resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
			if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
				fprintf(stderr, "NOTIF_SEND: %s\n", strerror(errno));
		}
	}
	pthread_join(t, NULL);
	errno = EACCES;
	esc_finish_fd(opened, "openat answered by our own USER_NOTIF supervisor (operation | 1 << 32)");
}
