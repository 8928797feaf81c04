/* Signals, process creation and the calls that could take a tracee out of sight. */
#include "compat.h"
#include "syscalls.h"
#include "mem.h"
#include "fs/resolve.h"

#include <stdio.h>

/* pidfd -> pid, from /proc/PID/fdinfo/N ("Pid:\t123"). */
static pid_t pidfd_target(pid_t tgid, int fd)
{
	char p[64], line[256];
	pid_t pid = 0;
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/fdinfo/%d", tgid, fd);
	f = fopen(p, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid: %d", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

int dec_signal(const struct sc_ctx *c, struct op *op)
{
	const char *n = op->sc->name;

	op->kind = OP_SIGNAL;
	if (strcmp(n, "kill") == 0 || strcmp(n, "rt_sigqueueinfo") == 0) {
		op->target_pid = (pid_t)(int32_t)c->args[0];
		op->sig = (int)c->args[1];
		op->target_group = op->target_pid <= 0;
	} else if (strcmp(n, "tkill") == 0) {
		op->target_tid = (pid_t)(int32_t)c->args[0];
		op->sig = (int)c->args[1];
	} else if (strcmp(n, "pidfd_send_signal") == 0) {
		op->target_pid = pidfd_target(c->tgid, (int)c->args[0]);
		op->sig = (int)c->args[1];
		if (!op->target_pid) {
			op->err_what = "pidfd";
			op->err = -EBADF;
		}
	} else { /* tgkill, rt_tgsigqueueinfo */
		op->target_pid = (pid_t)(int32_t)c->args[0];
		op->target_tid = (pid_t)(int32_t)c->args[1];
		op->sig = (int)c->args[2];
	}
	if (op->sig == 0)
		op->kind = OP_NONE; /* existence probe: no signal is sent */
	return 0;
}

int dec_process(const struct sc_ctx *c, struct op *op)
{
	op->kind = OP_PROCESS;
	if (strcmp(op->sc->name, "clone") == 0)
		op->flags = c->args[0];
	return 0;
}

int dec_danger(const struct sc_ctx *c, struct op *op)
{
	const struct syscall_def *sc = op->sc;

	op->kind = OP_DANGER;
	op->flags = c->args[0];
	op->arg1 = c->args[1];
	if (sc->path >= 0 && c->args[sc->path]) {
		ssize_t n = mem_read_str(c->tid, c->args[sc->path], op->p1.raw, sizeof(op->p1.raw));
		if (n >= 0 && fs_resolve(c->tid, c->tgid, -100, op->p1.raw, true, false,
					 op->p1.path, sizeof(op->p1.path)) == 0)
			op->npaths = 1;
	}
	return 0;
}
