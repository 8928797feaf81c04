/* Probes that need a child process: ptrace seize and seccomp filter/user-notify. */
#include "compat.h"
#include "detect/detect.h"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#if defined(__x86_64__)
#define PROBE_AUDIT_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define PROBE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#endif

/* Forks a child that blocks reading *wfd's pipe until it is closed or the child is killed. */
static pid_t spawn_blocked_child(int *wfd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(p[0]);
		close(p[1]);
		return e;
	}
	if (pid == 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[0]);
	*wfd = p[1];
	return pid;
}

static void reap(pid_t pid, int wfd)
{
	kill(pid, SIGKILL);
	safe_close(wfd);
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

static int read_yama_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "re");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* Seize, interrupt and see the group-stop: the sequence the tracer itself relies on. */
static int ptrace_seize_and_stop(pid_t pid)
{
	int st;

	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)(long)PTRACE_O_EXITKILL) < 0)
		return -errno;
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0)
		return -errno;
	while (waitpid(pid, &st, __WALL) < 0)
		if (errno != EINTR)
			return -errno;
	if (!WIFSTOPPED(st) || (st >> 16) != PTRACE_EVENT_STOP)
		return -EPROTO;
	return 0;
}

void detect_probe_ptrace(struct detect_result *r)
{
	int wfd = -1, err;
	pid_t pid;

	r->yama_ptrace_scope = read_yama_scope();
	r->cap_sys_ptrace = r->cap_effective & (1ULL << DETECT_CAP_SYS_PTRACE);
	pid = spawn_blocked_child(&wfd);
	if (pid < 0) {
		detect_set(&r->ptrace, false, "fork: %s", strerror((int)-pid));
		return;
	}
	err = ptrace_seize_and_stop(pid);
	reap(pid, wfd);
	if (err < 0)
		detect_set(&r->ptrace, false, "seize: %s", strerror(-err));
	else if (r->yama_ptrace_scope > 0)
		detect_set(&r->ptrace, true, "yama scope %d", r->yama_ptrace_scope);
	else
		detect_set(&r->ptrace, true, "%s", "");
}

struct seccomp_report {
	int filter_err;
	int notify_err;
	int id_valid_err;
};

static int install_filter(struct sock_filter *insns, unsigned short len, unsigned int flags)
{
	struct sock_fprog prog = { .len = len, .filter = insns };
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);

	return fd < 0 ? -errno : (int)fd;
}

/* Runs in the probe child: async-signal-safe calls only. */
static void seccomp_child(int wfd)
{
	struct sock_filter allow[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	/* Notify on getppid, which the child never calls again; allow everything else. */
	struct sock_filter notify[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PROBE_AUDIT_ARCH, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct seccomp_report rep = { .notify_err = -ECANCELED, .id_valid_err = -ECANCELED };
	uint64_t id = 0;
	int fd;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		rep.filter_err = -errno;
	else
		rep.filter_err = install_filter(allow, ARRAY_SIZE(allow), 0);
	if (rep.filter_err >= 0) {
		fd = install_filter(notify, ARRAY_SIZE(notify), SECCOMP_FILTER_FLAG_NEW_LISTENER);
		rep.notify_err = fd < 0 ? fd : 0;
		/* No notification with id 0 is pending: a working listener says ENOENT. */
		if (fd >= 0 && ioctl(fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
			rep.id_valid_err = errno == ENOENT ? 0 : -errno;
		else if (fd >= 0)
			rep.id_valid_err = -EPROTO;
	}
	if (write(wfd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(1);
	_exit(0);
}

static int run_seccomp_child(struct seccomp_report *rep)
{
	int p[2], st;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		seccomp_child(p[1]);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -ECHILD;
	}
	do
		n = read(p[0], rep, sizeof(*rep));
	while (n < 0 && errno == EINTR);
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return n == (ssize_t)sizeof(*rep) ? 0 : -EPROTO;
}

void detect_probe_seccomp(struct detect_result *r)
{
	struct seccomp_report rep;
	int err = run_seccomp_child(&rep);

	if (err < 0) {
		detect_set(&r->seccomp, false, "probe child: %s", strerror(-err));
		detect_set(&r->seccomp_notify, false, "probe child: %s", strerror(-err));
		return;
	}
	if (rep.filter_err < 0)
		detect_set(&r->seccomp, false, "filter: %s", strerror(-rep.filter_err));
	else
		detect_set(&r->seccomp, true, "%s", "");
	if (rep.filter_err < 0)
		detect_set(&r->seccomp_notify, false, "%s", "needs seccomp filter");
	else if (rep.notify_err < 0)
		detect_set(&r->seccomp_notify, false, "listener: %s", strerror(-rep.notify_err));
	else if (rep.id_valid_err < 0)
		detect_set(&r->seccomp_notify, false, "notif ioctl: %s", strerror(-rep.id_valid_err));
	else
		detect_set(&r->seccomp_notify, true, "%s", "");
}
