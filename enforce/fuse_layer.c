/*
 * The FUSE layer's life: the session and its threads in the agentsh process (never the
 * tracer's loop thread: the tracer resolves tracee paths through /proc/PID/root, which
 * crosses this mount, so serving it from that thread would deadlock), the mount in the
 * command's own mount namespace. The daemon stays in the original namespace and serves the
 * real directory through an fd opened before the mount.
 */
#include "compat.h"
#include "enforce/fuse_layer.h"
#include "log.h"

#ifndef AGENTSH_HAVE_FUSE3
int fuse_layer_start(const struct fuse_layer_opts *o, struct enforce *enf, struct fuse_layer **out)
{
	return -ENOTSUP;
}

int fuse_layer_child(struct fuse_layer *fl)
{
	return -ENOTSUP;
}

unsigned long fuse_layer_events(const struct fuse_layer *fl)
{
	return 0;
}

void fuse_layer_stop(struct fuse_layer *fl)
{
}
#else
#include "enforce/enforce.h"
#include "enforce/fuse_int.h"
#include "fs/trash.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#define FUSE_LAYER_THREADS 4

/* Blocks until the child's mount exists (or we are stopped). */
static bool wait_mounted(struct fuse_layer *fl)
{
	struct pollfd p[2] = { { .fd = fl->mounted[0], .events = POLLIN },
			       { .fd = fl->stop_fd, .events = POLLIN } };

	while (poll(p, 2, -1) < 0)
		if (errno != EINTR)
			return false;
	return !p[1].revents && (p[0].revents & POLLIN);
}

static void *serve(void *arg)
{
	struct fuse_layer *fl = arg;
	struct fuse_buf buf = { .mem = NULL };

	/* Own cwd/umask: the kernel already applied the caller's umask to every mode. */
	if (unshare(CLONE_FS) == 0)
		umask(0);
	if (!wait_mounted(fl))
		return NULL;
	while (!fuse_session_exited(fl->se)) {
		struct pollfd p[2] = { { .fd = fl->dev_fd, .events = POLLIN },
				       { .fd = fl->stop_fd, .events = POLLIN } };
		int r;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents || (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)))
			break;
		r = fuse_session_receive_buf(fl->se, &buf);
		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r <= 0)
			break;
		if (!(buf.flags & FUSE_BUF_IS_FD) && fuse_tmpfile_take(fl, buf.mem, (size_t)r))
			continue;
		fuse_session_process_buf(fl->se, &buf);
	}
	free(buf.mem);
	return NULL;
}

/* The threads take no signal: the tracer reads SIGCHLD & co. from a signalfd. */
static int start_threads(struct fuse_layer *fl)
{
	sigset_t all, old;
	int n = fl->o.threads > 0 ? fl->o.threads : FUSE_LAYER_THREADS, r = 0;

	if (n > (int)ARRAY_SIZE(fl->thr))
		n = (int)ARRAY_SIZE(fl->thr);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (; fl->nthr < n && !r; fl->nthr++)
		r = -pthread_create(&fl->thr[fl->nthr], NULL, serve, fl);
	if (r)
		fl->nthr--;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return fl->nthr ? 0 : r;
}

static void prepare_child(struct fuse_layer *fl, const struct stat *root)
{
	size_t wl = strlen(fl->workspace);

	snprintf(fl->mount_opts, sizeof(fl->mount_opts),
		 "fd=%d,rootmode=%o,user_id=%u,group_id=%u,allow_other,default_permissions",
		 fl->dev_fd, root->st_mode & S_IFMT, (unsigned)geteuid(), (unsigned)getegid());
	/* The cwd inside the workspace points below the new mount: enter it again. */
	fl->rechdir = getcwd(fl->cwd, sizeof(fl->cwd)) && strncmp(fl->cwd, fl->workspace, wl) == 0 &&
		      (fl->cwd[wl] == '/' || fl->cwd[wl] == 0);
}

static int session_new(struct fuse_layer *fl)
{
	static struct fuse_lowlevel_ops ops;
	char *argv[] = { "agentsh-fuse", NULL }, dev[32];
	struct fuse_args args = FUSE_ARGS_INIT(1, argv);

	fuse_layer_ops_names(&ops);
	fuse_layer_ops_io(&ops);
	fl->se = fuse_session_new(&args, &ops, sizeof(ops), fl);
	fuse_opt_free_args(&args); /* the session may have added to them */
	if (!fl->se)
		return -ENOMEM;
	/* libfuse >= 3.3: /dev/fd/N is a device fd opened by the caller, mounted elsewhere. */
	snprintf(dev, sizeof(dev), "/dev/fd/%d", fl->dev_fd);
	if (fuse_session_mount(fl->se, dev) < 0)
		return -EINVAL;
	return 0;
}

static int open_all(struct fuse_layer *fl, struct stat *st)
{
	fl->root_fd = open(fl->workspace, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fl->root_fd < 0 || fstat(fl->root_fd, st) < 0)
		return log_errno(-errno, "fuse: workspace %s", fl->workspace);
	fl->dev_fd = open("/dev/fuse", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fl->dev_fd < 0)
		return log_errno(-errno, "fuse: /dev/fuse");
	if (pipe2(fl->mounted, O_CLOEXEC) < 0 ||
	    (fl->stop_fd = eventfd(0, EFD_CLOEXEC)) < 0)
		return -errno;
	return fuse_nodes_init(&fl->nodes, st);
}

int fuse_layer_start(const struct fuse_layer_opts *o, struct enforce *enf, struct fuse_layer **out)
{
	struct fuse_layer *fl = calloc(1, sizeof(*fl));
	struct stat st;
	int r;

	if (!fl)
		return -ENOMEM;
	fl->o = *o;
	fl->enf = enf;
	fl->root_fd = fl->dev_fd = fl->stop_fd = fl->mounted[0] = fl->mounted[1] = -1;
	snprintf(fl->workspace, sizeof(fl->workspace), "%s", o->workspace);
	fl->o.workspace = fl->workspace;
	fs_trash_dir(enforce_options(enf)->trash_dir, fl->workspace, fl->trash, sizeof(fl->trash));
	r = open_all(fl, &st);
	if (!r)
		r = session_new(fl);
	if (!r) {
		prepare_child(fl, &st);
		r = start_threads(fl);
	}
	if (r) {
		fuse_layer_stop(fl);
		return r;
	}
	*out = fl;
	return 0;
}

int fuse_layer_child(struct fuse_layer *fl)
{
	if (unshare(CLONE_NEWNS) < 0)
		return -errno;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if (mount("agentsh", fl->workspace, "fuse.agentsh", MS_NOSUID | MS_NODEV, fl->mount_opts) < 0)
		return -errno;
	if (write(fl->mounted[1], "m", 1) != 1)
		return -EIO;
	if (fl->rechdir && chdir(fl->cwd) < 0)
		return -errno;
	return 0;
}

unsigned long fuse_layer_events(const struct fuse_layer *fl)
{
	return fl ? __atomic_load_n(&fl->events, __ATOMIC_RELAXED) : 0;
}

void fuse_layer_stop(struct fuse_layer *fl)
{
	uint64_t one = 1;

	if (!fl)
		return;
	if (fl->stop_fd >= 0 && write(fl->stop_fd, &one, sizeof(one)) < 0)
		log_debug("fuse: stop: %s", strerror(errno));
	for (int i = 0; i < fl->nthr; i++)
		pthread_join(fl->thr[i], NULL);
	/* Closing the device aborts the connection: a process left in the namespace gets
	 * ENOTCONN, never the real directory. */
	if (fl->se && fuse_session_fd(fl->se) < 0)
		safe_close(fl->dev_fd); /* the session never took it */
	if (fl->se)
		fuse_session_destroy(fl->se);
	else
		safe_close(fl->dev_fd);
	if (fl->nodes.buckets)
		fuse_nodes_release(&fl->nodes);
	safe_close(fl->root_fd);
	safe_close(fl->mounted[0]);
	safe_close(fl->mounted[1]);
	safe_close(fl->stop_fd);
	free(fl);
}
#endif /* AGENTSH_HAVE_FUSE3 */
