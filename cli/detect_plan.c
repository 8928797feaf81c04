/* agentsh detect --plan POLICY [--mode MODE] [--workspace DIR]: the backend partition. */
#include "compat.h"
#include "detect/detect.h"
#include "enforce/backends.h"
#include "log.h"

#include <limits.h>
#include <stdio.h>

static void plan_usage(FILE *f)
{
	fprintf(f, "usage: agentsh detect --plan POLICY [--mode MODE] [--workspace DIR]\n"
		   "       MODE: ptrace|prefilter|notify|landlock|ebpf|fuse|full|auto (default auto)\n");
}

struct plan_args {
	const char *policy, *mode, *workspace;
};

static int plan_parse(int argc, char **argv, struct plan_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char **dst = NULL;

		if (strcmp(argv[i], "--plan") == 0)
			dst = &a->policy;
		else if (strcmp(argv[i], "--mode") == 0)
			dst = &a->mode;
		else if (strcmp(argv[i], "--workspace") == 0)
			dst = &a->workspace;
		else if (!a->policy && argv[i][0] != '-')
			a->policy = argv[i];
		else
			return -EINVAL;
		if (dst && i + 1 >= argc)
			return -EINVAL;
		if (dst)
			*dst = argv[++i];
	}
	return a->policy ? 0 : -EINVAL;
}

int cmd_detect_plan(int argc, char **argv)
{
	struct plan_args a = { .mode = "auto" };
	char cwd[PATH_MAX];
	struct policy_vars vars = { .home = getenv("HOME") };
	struct policy_opts popts = { .enforce_redirects = true };
	struct plan_config pc = { .log_allowed = true, .vars = &vars };
	struct policy_error err = { { 0 } };
	struct detect_result dr;
	struct policy *p = NULL;
	enum plan_mode mode;
	struct plan pl;
	int r;

	if (plan_parse(argc, argv, &a) < 0 || plan_mode_parse(a.mode, &mode) < 0)
		return plan_usage(stderr), 2;
	vars.project_root = a.workspace ? a.workspace : getcwd(cwd, sizeof(cwd));
	r = policy_load_file(a.policy, &vars, &popts, &p, &err);
	if (r) {
		fprintf(stderr, "agentsh: %s\n", err.message[0] ? err.message : strerror(-r));
		return 1;
	}
	detect_run(&dr);
	r = plan_build(p, &dr, &pc, mode, &pl);
	if (r) {
		policy_free(p);
		return log_errno(r, "planning backends"), 1;
	}
	printf("Policy:         %s\n", a.policy);
	plan_write(stdout, &pl);
	plan_free(&pl);
	policy_free(p);
	return 0;
}
