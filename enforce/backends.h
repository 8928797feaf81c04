/*
 * The glue: plan the backends for a policy on this machine and install them
 * around one tracer (child setup before exec, extra fds in the loop).
 */
#ifndef AGENTSH_ENFORCE_BACKENDS_H
#define AGENTSH_ENFORCE_BACKENDS_H

#include "enforce/plan.h"

struct enforce;
struct tracer;
struct tracer_opts;
struct backends;
struct config_fuse;

/* What the caller knows besides the mode. */
struct backends_opts {
	const struct config_fuse *fuse; /* sandbox.fuse; NULL = defaults (FUSE off in full/auto) */
	bool attach;                    /* attach: no FUSE mount (existing namespace) */
};

/* Plans for enf's policy and fills o (prefilter, child_setup). bo may be NULL. 0 or -errno. */
int backends_setup(enum plan_mode mode, const struct backends_opts *bo, struct tracer_opts *o,
		   struct enforce *enf, struct backends **out);
/* After tracer_new: registers the loop fds. */
int backends_attach(struct backends *b, struct tracer *t);
const struct plan *backends_plan(const struct backends *b);
void backends_free(struct backends *b);

/* cli/wrap_mode.c: `agentsh wrap --mode MODE`. wrap calls, in cmd_wrap before parsing,
 *     if (wrap_mode_take(&argc, argv) < 0) return WRAP_EXIT_ERROR;
 * and creates its tracer with wrap_mode_tracer_new() in place of tracer_new(). */
int wrap_mode_take(int *argc, char **argv);
/* sandbox.fuse and whether this is attach, before wrap_mode_tracer_new. */
void wrap_mode_configure(const struct config_fuse *fuse, bool attach);
/* Stops the backends (the FUSE threads use enf): after tracer_free, before enforce_free. */
void wrap_mode_done(void);
int wrap_mode_tracer_new(struct tracer_opts *o, struct enforce *enf, struct tracer **out);

/* cli/detect_plan.c: `agentsh detect --plan POLICY [--mode MODE] [--workspace DIR]`. */
int cmd_detect_plan(int argc, char **argv);

#endif /* !AGENTSH_ENFORCE_BACKENDS_H */
