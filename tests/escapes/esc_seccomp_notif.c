/*
 * Vector 10: our own seccomp filter with SECCOMP_RET_USER_NOTIF on openat.
 * USER_NOTIF outranks TRACE, so the tracer's prefilter never stops the call;
 * our supervisor thread answers FLAG_CONTINUE and the kernel runs the open.
 * expect: ptrace_process|ptrace_file
 */
#include "esc_seccomp.h"
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
	int fd = esc_seccomp_install(SYS_openat, SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);
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
	esc_finish_fd(opened, "openat answered by our own USER_NOTIF supervisor");
}
