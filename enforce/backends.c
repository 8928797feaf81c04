/* Planning and installing the accelerating backends around one tracer. */
#include "compat.h"
#include "enforce/backends.h"
#include "enforce/enforce.h"
#include "config/config.h"
#include "enforce/ebpf.h"
#include "enforce/fuse_layer.h"
#include "enforce/notify.h"
#include "detect/detect.h"
#include "log.h"
#include "tracer/tracer.h"

#include <stdio.h>

struct backends {
	struct plan plan;
	struct notify notify;
	bool have_notify;
	struct landlock_status ll_status;
	struct ebpf *ebpf;
	struct fuse_layer *fuse;
};

/* In the child before exec: says which layer failed (write(2) only). A
 * stderr that cannot take it leaves the errno, which is returned anyway. */
static int setup_failed(const char *layer, int err)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "agentsh: cannot set up the %s layer in the command: errno %d\n",
			 layer, -err);
	ssize_t w = n > 0 ? write(STDERR_FILENO, msg, (size_t)n) : 0;

	(void)w;
	return err;
}

/* In the traced child, before the prefilter and exec: no allocation. */
static int child_setup(void *ctx)
{
	struct backends *b = ctx;
	int r;

	if (b->ebpf && (r = ebpf_child(b->ebpf)) < 0)
		return setup_failed("eBPF cgroup", r);
	/* Before Landlock: a Landlock-restricted process may not mount, and its rules must
	 * name the files as seen through the mount. */
	if (b->fuse && (r = fuse_layer_child(b->fuse)) < 0)
		return setup_failed("FUSE", r);
	if (b->plan.landlock && (r = landlock_apply(&b->plan.ll, &b->ll_status)) < 0)
		return setup_failed("Landlock", r);
	if (b->have_notify && (r = notify_child(&b->notify)) < 0)
		return setup_failed("seccomp-notify", r);
	return 0;
}

static int plan_for(enum plan_mode mode, const struct backends_opts *bo, struct enforce *enf,
		    struct plan *pl)
{
	const struct enforce_opts *eo = enforce_options(enf);
	struct policy_vars vars = { .project_root = eo->workspace, .home = getenv("HOME") };
	struct plan_config pc = { .log_allowed = eo->log_allowed,
				  .enforce_approvals = eo->approver != NULL,
				  .vars = &vars,
				  .fuse_enabled = bo && bo->fuse && bo->fuse->enabled,
				  .attach = bo && bo->attach };
	struct detect_result dr;
	char why[160];

	detect_run(&dr);
	if (mode != PLAN_MODE_AUTO && !plan_mode_supported(mode, &dr, why, sizeof(why))) {
		log_error("--mode %s is not supported here: %s", plan_mode_name(mode), why);
		return -ENOTSUP;
	}
	return plan_build(enforce_policy(enf), &dr, &pc, mode, pl);
}

/* --mode fuse without the layer: refused when it cannot be made (attach), a warning when
 * there is nothing for it to enforce (no policy, no file_rules). */
static int fuse_check(enum plan_mode mode, const struct backends_opts *bo, const struct plan *pl)
{
	if (mode != PLAN_MODE_FUSE || pl->fuse)
		return 0;
	if (bo && bo->attach) {
		log_error("--mode fuse is not supported here: %s", pl->off[PLAN_BE_FUSE]);
		return -ENOTSUP;
	}
	log_warn("--mode fuse: no FUSE layer (%s)", pl->off[PLAN_BE_FUSE]);
	return 0;
}

static int fuse_start(const struct backends_opts *bo, struct enforce *enf, struct backends *b)
{
	const struct config_fuse *c = bo ? bo->fuse : NULL;
	struct fuse_layer_opts fo = { .workspace = b->plan.fuse_workspace,
				      .max_background = c ? c->max_background : 0,
				      .audit = c ? c->audit.enabled : true,
				      .audit_mode = FUSE_AUDIT_MONITOR };

	if (c && c->audit.mode && fuse_audit_mode_parse(c->audit.mode, &fo.audit_mode) < 0)
		log_warn("sandbox.fuse.audit.mode '%s' unknown: monitor", c->audit.mode);
	return fuse_layer_start(&fo, enf, &b->fuse);
}

int backends_setup(enum plan_mode mode, const struct backends_opts *bo, struct tracer_opts *o,
		   struct enforce *enf, struct backends **out)
{
	struct backends *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	b->notify.listener = -1;
	r = plan_for(mode, bo, enf, &b->plan);
	if (!r)
		r = fuse_check(mode, bo, &b->plan);
	if (!r && b->plan.fuse)
		r = fuse_start(bo, enf, b);
	if (!r && b->plan.notify_open && o->trace_file) { /* else nothing to take over */
		r = notify_prepare(&b->notify, enf, o->static_read_open);
		b->have_notify = r == 0;
	}
	if (!r && b->plan.ebpf)
		r = ebpf_start(b->plan.ebpf_rules, b->plan.ebpf_nrules, b->plan.ebpf_default,
			       b->plan.ebpf_cgroup_parent, enf, &b->ebpf);
	if (r) {
		backends_free(b);
		return r;
	}
	o->seccomp_prefilter = b->plan.prefilter;
	o->trace_execve &= b->plan.trace_execve;
	o->trace_file &= b->plan.trace_file;
	o->trace_network &= b->plan.trace_network;
	o->trace_signal &= b->plan.trace_signal;
	o->trace_creds = b->have_notify;
	o->tree_landlocked |= b->plan.landlock;
	if (b->plan.landlock || b->have_notify || b->ebpf || b->fuse) {
		o->child_setup = child_setup;
		o->child_ctx = b;
	}
	*out = b;
	return 0;
}

int backends_attach(struct backends *b, struct tracer *t)
{
	int r = b->have_notify ? notify_attach(&b->notify, t) : 0;

	return !r && b->ebpf ? ebpf_attach(b->ebpf, t) : r;
}

const struct plan *backends_plan(const struct backends *b)
{
	return &b->plan;
}

void backends_free(struct backends *b)
{
	if (!b)
		return;
	if (b->have_notify && getenv("AGENTSH_BACKEND_STATS"))
		fprintf(stderr, "agentsh: seccomp-notify: %lu notifications, %lu emulated, %lu continued\n",
			b->notify.handled, b->notify.emulated, b->notify.continued);
	if (b->have_notify)
		notify_free(&b->notify);
	if (b->ebpf && getenv("AGENTSH_BACKEND_STATS"))
		fprintf(stderr, "agentsh: ebpf: %lu in-kernel denials in %s\n", ebpf_events(b->ebpf),
			ebpf_cgroup_path(b->ebpf));
	ebpf_stop(b->ebpf);
	if (b->fuse && getenv("AGENTSH_BACKEND_STATS"))
		fprintf(stderr, "agentsh: fuse: %lu operations refused, trashed or redirected by the layer\n",
			fuse_layer_events(b->fuse));
	fuse_layer_stop(b->fuse);
	plan_free(&b->plan);
	free(b);
}
