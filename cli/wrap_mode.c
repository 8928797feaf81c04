/* agentsh wrap --mode ptrace|prefilter|notify|landlock|ebpf|fuse|full|auto */
#include "compat.h"
#include "enforce/backends.h"
#include "log.h"
#include "tracer/tracer.h"

#include <stdlib.h>

static bool mode_given;
static enum plan_mode wrap_mode = PLAN_MODE_PREFILTER;
static struct backends *wrap_backends;
static struct backends_opts wrap_bopts;

void wrap_mode_configure(const struct config_fuse *fuse, bool attach)
{
	wrap_bopts.fuse = fuse;
	wrap_bopts.attach = attach;
}

void wrap_mode_done(void)
{
	backends_free(wrap_backends);
	wrap_backends = NULL;
}

static void wrap_mode_cleanup(void)
{
	wrap_mode_done();
}

/* Removes --mode X / --mode=X (before "--") from argv. 0 or -EINVAL. */
int wrap_mode_take(int *argc, char **argv)
{
	for (int i = 1; i < *argc && strcmp(argv[i], "--") != 0; i++) {
		const char *v = NULL;
		int drop = 0;

		if (strcmp(argv[i], "--mode") == 0 && i + 1 < *argc)
			v = argv[i + 1], drop = 2;
		else if (strncmp(argv[i], "--mode=", 7) == 0)
			v = argv[i] + 7, drop = 1;
		else if (strcmp(argv[i], "--mode") == 0)
			return log_error("wrap: --mode needs a value"), -EINVAL;
		if (!drop)
			continue;
		if (plan_mode_parse(v, &wrap_mode) < 0) {
			log_error("wrap: unknown mode '%s' (ptrace, prefilter, notify, landlock, "
				  "ebpf, fuse, full, auto)", v);
			return -EINVAL;
		}
		mode_given = true;
		memmove(&argv[i], &argv[i + drop], sizeof(*argv) * (size_t)(*argc - i - drop + 1));
		*argc -= drop;
		i--;
	}
	return 0;
}

/* tracer_new with the planned backends installed. Without --mode, wrap behaves
 * as before (prefilter, or ptrace with --no-prefilter). */
int wrap_mode_tracer_new(struct tracer_opts *o, struct enforce *enf, struct tracer **out)
{
	int r;

	if (!mode_given)
		return tracer_new(o, enf, out);
	r = backends_setup(wrap_mode, &wrap_bopts, o, enf, &wrap_backends);
	if (r)
		return r;
	atexit(wrap_mode_cleanup);
	r = tracer_new(o, enf, out);
	if (!r)
		r = backends_attach(wrap_backends, *out);
	return r;
}
