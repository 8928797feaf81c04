/* Runs one command as `agentsh wrap ... -- CMD`, collecting stdout, stderr, event lines
 * (--events fd:3) and approval requests (--approver unix:PATH) in one poll loop. */
#include "compat.h"
#include "config/config.h"
#include "exec_run.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void obuf_add(struct obuf *b, const char *s, size_t n)
{
	size_t room = b->len < OUTPUT_CAP ? OUTPUT_CAP - b->len : 0;
	size_t take = n < room ? n : room;

	b->total += n;
	if (take < n)
		b->trunc = true;
	if (!take)
		return;
	if (!b->p)
		b->p = malloc(OUTPUT_CAP + 1);
	if (!b->p)
		return;
	memcpy(b->p + b->len, s, take);
	b->len += take;
	b->p[b->len] = '\0';
}

/* Splits complete lines out of lb, calling fn for each. */
static void lines_feed(struct exec_run *run, struct linebuf *lb, const char *s, size_t n,
		       void (*fn)(struct exec_run *, char *))
{
	char *nl;

	if (lb->len + n > LINE_MAX_BYTES) {
		log_warn("exec %s: dropping an over-long line", run->command_id);
		lb->len = 0;
		return;
	}
	lb->p = realloc(lb->p, lb->len + n + 1);
	if (!lb->p)
		return;
	memcpy(lb->p + lb->len, s, n);
	lb->len += n;
	lb->p[lb->len] = '\0';
	while ((nl = memchr(lb->p, '\n', lb->len))) {
		size_t used = (size_t)(nl - lb->p) + 1;

		*nl = '\0';
		if (nl > lb->p)
			fn(run, lb->p);
		memmove(lb->p, nl + 1, lb->len - used);
		lb->len -= used;
	}
}

/* audit.log_allowed / log_denied / log_approved of the policy, for the stored events. */
static bool should_log(const struct exec_run *run, const cJSON *ev)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "policy");
	const char *d = jstr(p, "decision"), *eff = jstr(p, "effective_decision");

	if (!run->audit_filter || !eff)
		return true;
	if (strcmp(eff, "deny") == 0)
		return run->log_denied;
	if (d && strcmp(d, "approve") == 0)
		return run->log_approved;
	return run->log_allowed;
}

static void on_event_line(struct exec_run *run, char *line)
{
	cJSON *ev = cJSON_Parse(line);

	if (!cJSON_IsObject(ev)) {
		log_warn("exec %s: unparsable event line from wrap", run->command_id);
		cJSON_Delete(ev);
		return;
	}
	if (!cJSON_GetObjectItemCaseSensitive(ev, "session_id"))
		cJSON_AddStringToObject(ev, "session_id", run->session_id);
	if (!cJSON_GetObjectItemCaseSensitive(ev, "command_id"))
		cJSON_AddStringToObject(ev, "command_id", run->command_id);
	if (should_log(run, ev))
		events_emit(run->srv, ev);
	if (cJSON_GetArraySize(run->events) < EVENTS_KEPT)
		cJSON_AddItemToArray(run->events, ev);
	else
		cJSON_Delete(ev);
}

static void on_approver_line(struct exec_run *run, char *line)
{
	cJSON *msg = cJSON_Parse(line);
	const cJSON *ev = cJSON_GetObjectItemCaseSensitive(msg, "event");
	const cJSON *to = cJSON_GetObjectItemCaseSensitive(msg, "timeout_ms");
	const char *id = jstr(msg, "id");

	if (id && cJSON_IsObject(ev))
		approvals_add(run->srv, run, id, cJSON_Duplicate(ev, 1),
			      cJSON_IsNumber(to) ? (long)to->valuedouble : 0);
	else
		log_warn("exec %s: malformed approval request", run->command_id);
	cJSON_Delete(msg);
}

int exec_answer_approval(struct exec_run *run, const char *line)
{
	int r = -EPIPE;

	pthread_mutex_lock(&run->appr_lock);
	if (run->appr_fd >= 0) {
		struct iovec iov[2] = { { (void *)line, strlen(line) }, { "\n", 1 } };
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };

		r = sendmsg(run->appr_fd, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
	}
	pthread_mutex_unlock(&run->appr_lock);
	return r;
}

int exec_approver_listen(struct exec_run *run)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	snprintf(run->appr_path, sizeof(run->appr_path), "%s/%.40s.sock", run->srv->run_dir,
		 run->command_id);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", run->appr_path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	unlink(run->appr_path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	run->appr_listen = fd;
	snprintf(run->appr_arg, sizeof(run->appr_arg), "unix:%s", run->appr_path);
	return 0;
}

static void av(struct argv_b *a, const char *s)
{
	if (a->n < ARRAY_SIZE(a->v) - 1)
		a->v[a->n++] = s;
}

/* wrap's command line; nums holds the formatted numbers it points into. */
int exec_build_argv(struct exec_run *run, const struct session *s, const cJSON *req,
		      struct argv_b *a, char nums[2][24])
{
	const struct config *cfg = run->srv->cfg;
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(req, "args"), *e;

	av(a, run->srv->self_exe);
	av(a, "wrap");
	if (run->srv->config_path)
		av(a, "--config"), av(a, run->srv->config_path);
	av(a, "--events"), av(a, "fd:3");
	if (run->appr_listen >= 0)
		av(a, "--approver"), av(a, run->appr_arg);
	av(a, "--policy"), av(a, s->policy);
	av(a, "--policy-dir"), av(a, cfg->policies.dir);
	av(a, "--session-id"), av(a, s->id);
	av(a, "--command-id"), av(a, run->command_id);
	av(a, "--workspace"), av(a, s->workspace);
	snprintf(nums[0], 24, "%ld", cfg->sandbox.ptrace.performance.max_tracees);
	snprintf(nums[1], 24, "%ld", cfg->sandbox.ptrace.performance.max_hold_ms);
	av(a, "--max-tracees"), av(a, nums[0]);
	av(a, "--max-hold-ms"), av(a, nums[1]);
	if (!cfg->sandbox.ptrace.performance.seccomp_prefilter)
		av(a, "--no-prefilter");
	av(a, "--");
	av(a, jstr(req, "command"));
	cJSON_ArrayForEach(e, args)
	{
		if (!cJSON_IsString(e))
			return -EINVAL;
		av(a, e->valuestring);
	}
	a->v[a->n] = NULL;
	return a->n >= ARRAY_SIZE(a->v) - 1 ? -E2BIG : 0;
}

static void child_exec(const struct argv_b *a, char **envp, const char *cwd, int fds[4], bool tty)
{
	sigset_t all;
	int ev = fcntl(fds[3], F_DUPFD_CLOEXEC, 10);

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (!tty)
		setpgid(0, 0);
	else if (setsid() < 0 || ioctl(fds[0], TIOCSCTTY, 0) < 0)
		_exit(125);
	if (ev < 0 || dup2(fds[0], 0) < 0 || dup2(fds[1], 1) < 0 || dup2(fds[2], 2) < 0 ||
	    dup2(ev, 3) < 0)
		_exit(125);
	if (chdir(cwd) < 0) {
		dprintf(2, "agentsh: cannot enter working directory %s\n", cwd);
		_exit(125);
	}
	execve(a->v[0], (char *const *)a->v, envp);
	dprintf(2, "agentsh: cannot run %s: %s\n", a->v[0], strerror(errno));
	_exit(125);
}

static void close_pair(int p[2])
{
	safe_close(p[0]);
	safe_close(p[1]);
}

int exec_spawn(struct exec_run *run, const struct argv_b *a, char **envp, const char *cwd)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, ev[2] = { -1, -1 };
	int r = 0;

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC) ||
	    pipe2(ev, O_CLOEXEC))
		r = -errno;
	if (r == 0) {
		run->pid = fork();
		if (run->pid == 0)
			child_exec(a, envp, cwd, (int[4]){ in[0], out[1], err[1], ev[1] }, false);
		if (run->pid < 0)
			r = -errno;
	}
	safe_close(in[0]), safe_close(out[1]), safe_close(err[1]), safe_close(ev[1]);
	if (r < 0) {
		close_pair((int[2]){ in[1], out[0] });
		close_pair((int[2]){ err[0], ev[0] });
		return r;
	}
	setpgid(run->pid, run->pid);
	run->in_fd = in[1], run->out_fd = out[0], run->err_fd = err[0], run->ev_fd = ev[0];
	fcntl(run->in_fd, F_SETFL, O_NONBLOCK);
	fcntl(run->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(run->err_fd, F_SETFL, O_NONBLOCK);
	fcntl(run->ev_fd, F_SETFL, O_NONBLOCK);
	run->pidfd = (int)syscall(SYS_pidfd_open, run->pid, 0);
	return 0;
}

int exec_spawn_pty(struct exec_run *run, const struct argv_b *a, char **envp, const char *cwd,
		   const struct winsize *ws)
{
	int master = -1, slave = -1, ev[2] = { -1, -1 };
	int r = 0;

	if (openpty(&master, &slave, NULL, NULL, ws) < 0 || pipe2(ev, O_CLOEXEC) < 0)
		r = -errno;
	if (r == 0) {
		fcntl(master, F_SETFD, FD_CLOEXEC);
		fcntl(slave, F_SETFD, FD_CLOEXEC);
		run->pid = fork();
		if (run->pid == 0)
			child_exec(a, envp, cwd, (int[4]){ slave, slave, slave, ev[1] }, true);
		if (run->pid < 0)
			r = -errno;
	}
	safe_close(slave), safe_close(ev[1]);
	if (r == 0)
		run->pty_fd = fcntl(master, F_DUPFD_CLOEXEC, 3);
	if (r < 0 || run->pty_fd < 0) {
		safe_close(master), safe_close(ev[0]);
		return r < 0 ? r : -EMFILE;
	}
	run->out_fd = master, run->ev_fd = ev[0];
	fcntl(run->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(run->ev_fd, F_SETFL, O_NONBLOCK);
	run->pidfd = (int)syscall(SYS_pidfd_open, run->pid, 0);
	return 0;
}

/* Returns bytes read, 0 at EOF (fd closed), -1 when nothing is ready. */
static ssize_t read_fd(struct exec_run *run, int *fd, const char *what)
{
	char buf[65536];
	ssize_t n = read(*fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return -1;
	if (n <= 0) {
		*fd = safe_close(*fd);
		return 0;
	}
	if (strcmp(what, "events") == 0) {
		lines_feed(run, &run->evl, buf, (size_t)n, on_event_line);
	} else {
		obuf_add(what[3] == 'o' ? &run->out : &run->err, buf, (size_t)n);
		if (run->sink && run->sink->output)
			run->sink->output(run->sink->ctx, what, buf, (size_t)n);
	}
	return n;
}

static void approver_closed(struct exec_run *run)
{
	approvals_drop_run(run->srv, run);
	pthread_mutex_lock(&run->appr_lock);
	run->appr_fd = safe_close(run->appr_fd);
	pthread_mutex_unlock(&run->appr_lock);
}

static void read_approver(struct exec_run *run)
{
	char buf[8192];
	ssize_t n = read(run->appr_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
		approver_closed(run);
	else
		lines_feed(run, &run->apl, buf, (size_t)n, on_approver_line);
}

static void write_stdin(struct exec_run *run)
{
	ssize_t n = write(run->in_fd, run->stdin_data + run->stdin_off,
			  run->stdin_len - run->stdin_off);

	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0)
		run->stdin_off += (size_t)n;
	if (n < 0 || run->stdin_off >= run->stdin_len)
		run->in_fd = safe_close(run->in_fd);
}

void exec_kill_tree(struct exec_run *run)
{
	kill(-run->pid, SIGKILL);
	kill(run->pid, SIGKILL);
}

enum { PF_OUT, PF_ERR, PF_EV, PF_LISTEN, PF_APPR, PF_IN, PF_PID, PF_WAKE, PF_N };

static int poll_fd(const struct exec_run *run, int i)
{
	const int fds[PF_N] = { run->out_fd,  run->err_fd, run->ev_fd,  run->appr_listen,
			       run->appr_fd, run->in_fd,  run->exited ? -1 : run->pidfd,
			       run->wake_fd };
	return fds[i];
}

static int poll_timeout(struct exec_run *run, long long grace_end)
{
	long long now = srv_now_ms(), until = -1;

	if (run->deadline_ms > 0 && !run->timed_out)
		until = run->deadline_ms;
	if (run->exited && (until < 0 || grace_end < until))
		until = grace_end;
	if (until < 0)
		return 1000; /* pidfd may be unavailable: re-check the child every second */
	return until <= now ? 0 : (int)(until - now);
}

static void handle(struct exec_run *run, int i)
{
	static const char *const what[] = { "stdout", "stderr", "events" };

	if (i <= PF_EV)
		read_fd(run, i == PF_OUT ? &run->out_fd : i == PF_ERR ? &run->err_fd : &run->ev_fd,
			what[i]);
	else if (i == PF_LISTEN) {
		run->appr_fd = accept4(run->appr_listen, NULL, NULL, SOCK_CLOEXEC);
		if (run->appr_fd >= 0)
			run->appr_listen = safe_close(run->appr_listen);
	} else if (i == PF_APPR) {
		read_approver(run);
	} else if (i == PF_IN) {
		write_stdin(run);
	} else if (i == PF_PID) {
		run->exited = true;
	} else if (i == PF_WAKE) {
		uint64_t v;

		if (read(run->wake_fd, &v, sizeof(v)) > 0 && run->kill_req && !run->killed) {
			run->killed = true;
			exec_kill_tree(run);
		}
	}
}

static bool child_gone(struct exec_run *run)
{
	siginfo_t si = { 0 };

	if (run->pidfd >= 0)
		return run->exited;
	if (waitid(P_PID, (id_t)run->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid)
		run->exited = true;
	return run->exited;
}

static bool loop_done(struct exec_run *run, long long grace_end)
{
	if (!child_gone(run))
		return false;
	if (run->out_fd < 0 && run->err_fd < 0 && run->ev_fd < 0)
		return true;
	return srv_now_ms() >= grace_end; /* a background process kept a pipe open */
}

void exec_io_loop(struct exec_run *run)
{
	long long grace_end = 0;

	for (;;) {
		struct pollfd p[PF_N];
		int idx[PF_N], n = 0;

		if (run->exited && !grace_end)
			grace_end = srv_now_ms() + 500;
		if (loop_done(run, grace_end ? grace_end : srv_now_ms() + 500))
			break;
		for (int i = 0; i < PF_N; i++)
			if (poll_fd(run, i) >= 0) {
				p[n] = (struct pollfd){ .fd = poll_fd(run, i),
							.events = i == PF_IN ? POLLOUT : POLLIN };
				idx[n++] = i;
			}
		if (poll(p, (nfds_t)n, poll_timeout(run, grace_end)) < 0 && errno != EINTR)
			break;
		for (int k = 0; k < n; k++)
			if (p[k].revents)
				handle(run, idx[k]);
		if (run->deadline_ms > 0 && !run->timed_out && srv_now_ms() >= run->deadline_ms) {
			run->timed_out = true;
			exec_kill_tree(run);
		}
	}
	/* What wrap wrote before exiting, without waiting for writers that linger. */
	while (run->ev_fd >= 0 && read_fd(run, &run->ev_fd, "events") > 0)
		;
}

