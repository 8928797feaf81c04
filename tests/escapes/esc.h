/*
 * Shared helpers of the escape programs (tests/escapes/esc_*.c).
 *
 * Every program is one attack. Exit status: 0 = the attack SUCCEEDED (read the
 * secret, wrote, connected, signalled, ran a denied binary, escaped tracing),
 * 1 = blocked, 2 = broken setup, 77 = vector unavailable on this kernel.
 *
 * run.sh builds the fixture and passes it through the environment:
 *   ESC_ROOT        /tmp/agentsh-esc-XXXX (allowed)
 *   ESC_PROTECTED   $ESC_ROOT/protected: policy denies every op below it
 *                   secret.txt (content $ESC_SECRET), victim.txt, sub/
 *   ESC_WORK        $ESC_ROOT/work: allowed scratch; work/prelinked is a hard
 *                   link to protected/secret.txt made before the command ran
 *   ESC_BIN         $ESC_ROOT/bin: `denied` (policy denies it), a copy of
 *                   touch(1): `denied FILE` creates FILE; `allowed`, a copy of
 *                   true(1) that the policy allows
 *   ESC_DENY_ADDR   127.0.0.2 (policy denies 127.0.0.2/32), ESC_DENY_PORT:
 *                   a TCP banner + UDP echo listener there, run by run.sh
 *   ESC_ABSTRACT    abstract unix name (no '@') with a listener (denied)
 *   ESC_VICTIM_PID  a process outside the traced tree (signals denied)
 */
#ifndef AGENTSH_ESC_H
#define AGENTSH_ESC_H

#include "compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define ESC_OK 0
#define ESC_BLOCKED 1
#define ESC_BROKEN 2
#define ESC_SKIP 77

#define ESC_BANNER "ESC-BANNER"

static inline const char *esc_name(void)
{
	extern const char *__progname;
	return __progname;
}

static inline void esc_vlog(const char *tag, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s: ", esc_name(), tag);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* The attack worked: exit 0. */
__attribute__((noreturn, format(printf, 1, 2))) static inline void esc_success(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	esc_vlog("ATTACK SUCCEEDED", fmt, ap);
	va_end(ap);
	exit(ESC_OK);
}

/* The attack failed (errno printed by the caller's message): exit 1. */
__attribute__((noreturn, format(printf, 1, 2))) static inline void esc_blocked(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	esc_vlog("blocked", fmt, ap);
	va_end(ap);
	exit(ESC_BLOCKED);
}

__attribute__((noreturn, format(printf, 1, 2))) static inline void esc_skip(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	esc_vlog("SKIP", fmt, ap);
	va_end(ap);
	exit(ESC_SKIP);
}

__attribute__((noreturn, format(printf, 1, 2))) static inline void esc_broken(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	esc_vlog("BROKEN SETUP", fmt, ap);
	va_end(ap);
	exit(ESC_BROKEN);
}

static inline const char *esc_env(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		esc_broken("environment variable %s is not set (run through run.sh)", name);
	return v;
}

/* snprintf into a static rotating buffer: esc_path("%s/secret.txt", dir). */
__attribute__((format(printf, 1, 2))) static inline char *esc_fmt(const char *fmt, ...)
{
	static char bufs[8][4096];
	static int next;
	char *b = bufs[next++ % 8];
	va_list ap;
	va_start(ap, fmt);
	if (vsnprintf(b, 4096, fmt, ap) >= 4096)
		esc_broken("path too long");
	va_end(ap);
	return b;
}

static inline const char *esc_protected(void) { return esc_env("ESC_PROTECTED"); }
static inline const char *esc_work(void) { return esc_env("ESC_WORK"); }
static inline const char *esc_secret_path(void) { return esc_fmt("%s/secret.txt", esc_protected()); }
static inline const char *esc_denied_bin(void) { return esc_fmt("%s/denied", esc_env("ESC_BIN")); }

/* True when buf starts with the fixture's secret token. */
static inline bool esc_is_secret(const char *buf, size_t n)
{
	const char *s = esc_env("ESC_SECRET");
	size_t len = strlen(s);
	return n >= len && memcmp(buf, s, len) == 0;
}

/* Read from fd; true when what came back is the secret. */
static inline bool esc_fd_has_secret(int fd)
{
	char buf[256];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);
	if (n < 0)
		n = read(fd, buf, sizeof(buf));
	return n > 0 && esc_is_secret(buf, (size_t)n);
}

/* Exit 0 if fd reads the secret; else exit 1 with what went wrong. */
__attribute__((noreturn)) static inline void esc_finish_fd(int fd, const char *how)
{
	if (fd < 0)
		esc_blocked("%s: %s", how, strerror(errno));
	if (esc_fd_has_secret(fd))
		esc_success("%s read the protected secret", how);
	esc_blocked("%s opened something, but not the secret", how);
}

/* A fresh marker path in the work dir; the denied binary (touch) creates it. */
static inline const char *esc_marker(const char *tag)
{
	const char *m = esc_fmt("%s/marker-%s-%d", esc_work(), tag, (int)getpid());
	unlink(m);
	return m;
}

static inline bool esc_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

/* A thread of ours that dup2()s a and b in turn onto fd until stopped: the
 * fd another thread's call names changes between decision and use. */
static struct {
	int a, b, fd;
	atomic_bool stop;
	pthread_t th;
} esc_flip_state;

static inline void *esc_flip_run(void *arg)
{
	(void)arg;
	while (!atomic_load(&esc_flip_state.stop)) {
		dup2(esc_flip_state.a, esc_flip_state.fd);
		dup2(esc_flip_state.b, esc_flip_state.fd);
	}
	return NULL;
}

static inline void esc_dup2_flip_start(int a, int b, int fd)
{
	esc_flip_state.a = a;
	esc_flip_state.b = b;
	esc_flip_state.fd = fd;
	if (pthread_create(&esc_flip_state.th, NULL, esc_flip_run, NULL))
		esc_broken("pthread_create");
}

static inline void esc_dup2_flip_stop(void)
{
	atomic_store(&esc_flip_state.stop, true);
	pthread_join(esc_flip_state.th, NULL);
}

/* Copies from to a new file to (replaced if there) with mode. */
static inline void esc_copy_file(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	struct stat st;

	if (in < 0 || out < 0 || fstat(in, &st) < 0)
		esc_broken("copy %s to %s: %s", from, to, strerror(errno));
	for (off_t off = 0; off < st.st_size;)
		if (sendfile(out, in, &off, (size_t)(st.st_size - off)) <= 0)
			esc_broken("sendfile to %s: %s", to, strerror(errno));
	close(in);
	close(out);
}

static inline double esc_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* How long a race runs while it keeps losing: 5 s, or ESC_RACE_SECONDS (the
 * mode conformance test, which runs every program in five modes, sets 2). */
static inline double esc_race_seconds(void)
{
	const char *s = getenv("ESC_RACE_SECONDS");
	double v = s ? atof(s) : 0;
	return v > 0 ? v : 5;
}

/* Wait for pid; returns its exit status, 128+sig if killed, -1 on error. */
static inline int esc_wait(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, __WALL) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + WTERMSIG(st);
}

/* TracerPid from /proc/self/status (0 natively). */
static inline pid_t esc_tracer_pid(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	pid_t pid = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "TracerPid: %d", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

static inline pid_t esc_victim_pid(void)
{
	return (pid_t)atoi(esc_env("ESC_VICTIM_PID"));
}

/* The denied TCP/UDP target (127.0.0.2:port) as a sockaddr_in. */
static inline struct sockaddr_in esc_deny_sin(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_port = htons((uint16_t)atoi(esc_env("ESC_DENY_PORT")));
	if (inet_pton(AF_INET, esc_env("ESC_DENY_ADDR"), &sin.sin_addr) != 1)
		esc_broken("bad ESC_DENY_ADDR");
	return sin;
}

/* Wait up to ms for the listener's reply on fd; true if it contains what. */
static inline bool esc_recv_contains(int fd, const char *what, int ms)
{
	char buf[512];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	if (poll(&p, 1, ms) <= 0)
		return false;
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return false;
	buf[n] = 0;
	return strstr(buf, what) != NULL;
}

/*
 * Another process's open file as our own fd (pidfd_open + pidfd_getfd): the
 * first fd of pid whose /proc link `match` accepts; -1 if none or refused
 * (said on stdout).
 */
static inline int esc_steal_fd(pid_t pid, bool (*match)(const char *link, const void *arg),
			       const void *arg)
{
	int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
	char l[4096];

	if (pfd < 0) {
		printf("pidfd_open(%d): %s\n", (int)pid, strerror(errno));
		return -1;
	}
	for (int fd = 0; fd < 1024; fd++) {
		ssize_t n = readlink(esc_fmt("/proc/%d/fd/%d", (int)pid, fd), l, sizeof(l) - 1);

		if (n <= 0)
			continue;
		l[n] = 0;
		if (!match(l, arg))
			continue;
		int g = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
		printf("fd %d of %d (%s) -> %d%s%s\n", fd, (int)pid, l, g, g < 0 ? ": " : "",
		       g < 0 ? strerror(errno) : "");
		close(pfd);
		return g;
	}
	close(pfd);
	printf("no fd of %d matches\n", (int)pid);
	return -1;
}

/* A child that holds work/NAME open (flags) with text written, and waits:
 * natively it stands in for the tracer's open files. Its pid. */
static inline pid_t esc_standin_file(const char *name, int flags, const char *text)
{
	int p[2];
	char c;

	if (pipe(p) < 0)
		esc_broken("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		esc_broken("fork: %s", strerror(errno));
	if (pid == 0) {
		int fd = open(esc_fmt("%s/%s", esc_work(), name), flags, 0600);
		if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
			_exit(2);
		if (write(p[1], "x", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		esc_broken("the stand-in did not open %s", name);
	close(p[0]);
	return pid;
}

/* A child that flips the symlink name (in the cwd) between → a and → b, by
 * atomic renames (a NULL target removes the name), until killed. Its pid. */
static inline pid_t esc_flip_symlink(const char *name, const char *a, const char *b)
{
	const char *targets[2] = { a, b };
	char tmp[4096];
	pid_t pid = fork();

	if (pid < 0)
		esc_broken("fork: %s", strerror(errno));
	if (pid > 0)
		return pid;
	snprintf(tmp, sizeof(tmp), "%s.new", name);
	for (int i = 0;; i ^= 1) {
		if (!targets[i]) {
			unlink(name);
			continue;
		}
		unlink(tmp);
		if (symlink(targets[i], tmp) == 0)
			rename(tmp, name);
	}
}

/*
 * The directory-swap race on chmod (vector 2): work/d, a real directory
 * holding a decoy victim.txt, is exchanged with work/linkdir, a symlink to
 * the protected directory, by a child in a loop, while this process chmods
 * work/d/victim.txt for 5 s. Succeeds (exits) when protected/victim.txt's
 * mode changed, else reports blocked; what names the attack's variant.
 */
static inline void esc_chmod_swap_race(const char *what)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	char d[4096], lnk[4096], target[4200];
	struct stat st;
	mode_t before;
	pid_t swapper;
	long tries = 0;
	int fd;

	snprintf(d, sizeof(d), "%s/d", esc_work());
	snprintf(lnk, sizeof(lnk), "%s/linkdir", esc_work());
	snprintf(target, sizeof(target), "%s/victim.txt", d);
	if (stat(victim, &st) < 0)
		esc_broken("stat %s: %s", victim, strerror(errno));
	before = st.st_mode & 07777;
	if (mkdir(d, 0755) < 0 || (fd = open(target, O_WRONLY | O_CREAT, 0644)) < 0)
		esc_broken("decoy: %s", strerror(errno));
	close(fd);
	if (symlink(esc_protected(), lnk) < 0)
		esc_blocked("symlink: %s", strerror(errno));
	swapper = fork();
	if (swapper < 0)
		esc_broken("fork: %s", strerror(errno));
	if (swapper == 0)
		for (;;)
			renameat2(AT_FDCWD, lnk, AT_FDCWD, d, RENAME_EXCHANGE);
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end;) {
		tries++;
		chmod(target, before ^ 0100);
		if (stat(victim, &st) == 0 && (st.st_mode & 07777) != before) {
			kill(swapper, SIGKILL);
			esc_success("chmod reached protected/victim.txt through a swapped directory "
				    "after %ld tries%s",
				    tries, what);
		}
	}
	kill(swapper, SIGKILL);
	esc_wait(swapper);
	/* Named directly, once: the deny the run expects on record, whatever
	 * the race's decisions saw (a serialized race may never see the swap). */
	if (chmod(victim, before ^ 0100) == 0 && stat(victim, &st) == 0 &&
	    (st.st_mode & 07777) != before)
		esc_success("chmod of protected/victim.txt by its own name worked%s", what);
	esc_blocked("protected/victim.txt kept its mode in %ld tries%s", tries, what);
}

/* Run the denied binary through argv via execve in a child; true if it ran. */
static inline bool esc_spawn_marker(const char *path, char *const argv[], const char *marker)
{
	pid_t pid = fork();
	if (pid < 0)
		esc_broken("fork: %s", strerror(errno));
	if (pid == 0) {
		extern char **environ;
		execve(path, argv, environ);
		_exit(127);
	}
	esc_wait(pid);
	return esc_exists(marker);
}

#endif /* AGENTSH_ESC_H */
