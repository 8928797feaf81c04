/*
 * The FUSE layer's decisions: a request becomes the struct op the tracer's decoders would
 * build for the same call, decided with the same policy (enforce_decide_quiet). What the
 * tracer already acted on never reaches the layer, so only a deny, a soft delete or a
 * redirect seen here is new: those are recorded, with "source":"fuse".
 */
#include "compat.h"
#include "enforce/fuse_layer.h"

#include <fcntl.h>
#include <stdio.h>

bool fuse_layer_built(void)
{
#ifdef AGENTSH_HAVE_FUSE3
	return true;
#else
	return false;
#endif
}

int fuse_audit_mode_parse(const char *s, enum fuse_audit_mode *out)
{
	static const char *const names[] = { "monitor", "soft_block", "soft_delete", "strict" };

	for (size_t i = 0; s && i < ARRAY_SIZE(names); i++)
		if (strcmp(s, names[i]) == 0)
			return *out = (enum fuse_audit_mode)i, 0;
	return -EINVAL;
}

#ifdef AGENTSH_HAVE_FUSE3
#include "enforce/enforce_int.h"
#include "enforce/fuse_int.h"
#include "procstat.h"

static void op_path(struct op_path *p, const char *ws, const char *rel)
{
	snprintf(p->path, sizeof(p->path), "%s%s%s", ws, *rel ? "/" : "", rel);
	memcpy(p->raw, p->path, strlen(p->path) + 1);
	p->follow = false;
	p->dirfd = AT_FDCWD;
	p->proc_fd_pid = 0;
}

void fuse_op_build(struct op *op, const struct fuse_opdesc *d, const char *ws, const char *rel1,
		   const char *rel2)
{
	memset(op, 0, offsetof(struct op, p1));
	/* The fields after the paths that a decision may read (a socket's
	 * mknod is decided as a bind): none of the caller's stack garbage. */
	op->family = 0;
	op->abstract = false;
	op->net_op = NULL;
	op->sa_len = 0;
	op->any_dest = false;
	op->addr[0] = op->domain[0] = 0;
	op->target_pid = op->target_tid = 0;
	op->target_group = false;
	op->flags = op->arg1 = 0;
	op->kind = OP_FILE;
	op->name = d->name;
	op->ops = d->ops;
	op->npaths = rel2 ? 2 : 1;
	op_path(&op->p1, ws, rel1);
	if (rel2)
		op_path(&op->p2, ws, rel2);
	else
		op->p2.path[0] = op->p2.raw[0] = 0;
}

static void set(struct verdict *v, enum decision eff, const char *rule, const char *msg)
{
	v->effective = eff;
	v->rule = rule;
	snprintf(v->message, sizeof(v->message), "%s", msg);
}

/* What the policy allows, audit.mode may still refuse or divert. */
static enum fuse_act audit_act(struct verdict *v, const struct fuse_opdesc *d,
			       enum fuse_audit_mode mode, bool in_trash)
{
	bool deletes = d->ops & (FOP_DELETE | FOP_RMDIR);

	if (mode == FUSE_AUDIT_SOFT_BLOCK && (deletes || (d->ops & FOP_RENAME) || d->truncates)) {
		set(v, DECISION_DENY, "fuse-audit-soft-block",
		    "sandbox.fuse.audit.mode soft_block refuses destructive operations");
		return FUSE_ACT_DENY;
	}
	if (mode == FUSE_AUDIT_SOFT_DELETE && deletes && !in_trash) {
		set(v, DECISION_SOFT_DELETE, "fuse-audit-soft-delete",
		    "sandbox.fuse.audit.mode soft_delete moves deletions into the trash");
		return FUSE_ACT_TRASH;
	}
	return FUSE_ACT_ALLOW;
}

enum fuse_act fuse_act_of(struct verdict *v, const struct fuse_opdesc *d, bool audit,
			  enum fuse_audit_mode mode, bool in_trash)
{
	switch (v->effective) {
	case DECISION_DENY:
		return FUSE_ACT_DENY;
	case DECISION_ABSORB: /* a signal decision: no file op can be absorbed */
		set(v, DECISION_DENY, v->rule, "absorb is not a file decision");
		return FUSE_ACT_DENY;
	case DECISION_SOFT_DELETE:
		if (d->ops & (FOP_DELETE | FOP_RMDIR))
			return in_trash ? FUSE_ACT_ALLOW : FUSE_ACT_TRASH; /* emptying the trash */
		break;
	case DECISION_REDIRECT:
		if (d->can_redirect && v->redirect_path[0])
			return FUSE_ACT_REDIRECT;
		/* Fail closed: only an open of an existing file can be redirected exactly. */
		v->effective = DECISION_DENY;
		snprintf(v->message, sizeof(v->message),
			 "redirect of %s cannot be applied by the fuse layer", d->name);
		return FUSE_ACT_DENY;
	default:
		break;
	}
	return audit ? audit_act(v, d, mode, in_trash) : FUSE_ACT_ALLOW;
}

/* The caller's parent, for the event (the tracer's table belongs to its thread). */
static pid_t ppid_of(pid_t pid)
{
	char state;
	pid_t ppid;

	return proc_stat(pid, &state, &ppid) == 0 ? ppid : 0;
}

static void record(struct fuse_layer *fl, const struct proc_info *pi, const struct op *op,
		   const struct verdict *v)
{
	char *line = event_build(enforce_options(fl->enf), pi, op, v), *src;

	if (!line)
		return;
	src = strstr(line, "\"source\":\"ptrace\"");
	if (src) /* "fuse\"," is as long as "ptrace\"": the JSON stays valid */
		memmove(src + 10, "fuse\"", 5), memmove(src + 15, src + 17, strlen(src + 17) + 1);
	enforce_write_line(fl->enf, line);
	free(line);
	__atomic_add_fetch(&fl->events, 1, __ATOMIC_RELAXED);
}

static bool in_trash(const struct fuse_layer *fl, const struct op *op)
{
	size_t n = strlen(fl->trash);

	return strncmp(op->p1.path, fl->trash, n) == 0 &&
	       (op->p1.path[n] == '/' || op->p1.path[n] == 0);
}

enum fuse_act fuse_decide(struct fuse_layer *fl, pid_t pid, const struct fuse_opdesc *d,
			  struct op *op, struct verdict *v)
{
	struct proc_info pi = { .pid = pid, .tid = pid };
	enum fuse_act act;

	enforce_decide_quiet(fl->enf, &pi, op, v);
	act = fuse_act_of(v, d, fl->o.audit, fl->o.audit_mode, in_trash(fl, op));
	if (act != FUSE_ACT_ALLOW) {
		pi.ppid = ppid_of(pid);
		record(fl, &pi, op, v);
	}
	return act;
}
#endif /* AGENTSH_HAVE_FUSE3 */
