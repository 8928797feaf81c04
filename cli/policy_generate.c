#include "compat.h"
#include "cli.h"
#include "log.h"
#include "policy_generate.h"
#include "report_fetch.h"

#include <stdio.h>

struct gen_args {
	const char *sid;
	const char *output;
	const char *from;
	struct pgen_opts o;
};

static void gen_usage(FILE *out)
{
	fprintf(out, "usage: agentsh policy generate <sid|latest> [--output FILE] [--name NAME]\n"
		     "           [--threshold N] [--include-blocked] [--arg-patterns]\n"
		     "       agentsh policy generate --from EVENTS.jsonl [same options]\n");
}

static int gen_value(int argc, char **argv, int *i, const char **out)
{
	if (*i + 1 >= argc) {
		log_error("option %s needs a value", argv[*i]);
		return -EINVAL;
	}
	*out = argv[++*i];
	return 0;
}

static int gen_threshold(const char *s, int *out)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (end == s || *end || v < 1 || v > 1000000) {
		log_error("--threshold must be a whole number of at least 1, not '%s'", s);
		return -EINVAL;
	}
	*out = (int)v;
	return 0;
}

static int gen_option(int argc, char **argv, int *i, struct gen_args *a)
{
	const char *v = NULL, *f = argv[*i];

	if (strcmp(f, "--include-blocked") == 0)
		a->o.include_blocked = true;
	else if (strcmp(f, "--arg-patterns") == 0)
		a->o.arg_patterns = true;
	else if (strcmp(f, "--output") == 0 || strcmp(f, "-o") == 0)
		return gen_value(argc, argv, i, &a->output);
	else if (strcmp(f, "--name") == 0)
		return gen_value(argc, argv, i, &a->o.name);
	else if (strcmp(f, "--from") == 0)
		return gen_value(argc, argv, i, &a->from);
	else if (strcmp(f, "--threshold") == 0)
		return gen_value(argc, argv, i, &v) ?: gen_threshold(v, &a->o.threshold);
	else {
		log_error("unknown option %s", f);
		return -EINVAL;
	}
	return 0;
}

static int gen_parse(int argc, char **argv, struct gen_args *a)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			gen_usage(stdout);
			exit(0);
		}
		if (argv[i][0] == '-' && argv[i][1]) {
			if (gen_option(argc, argv, &i, a) < 0)
				return -EINVAL;
		} else if (a->sid) {
			log_error("unexpected argument '%s'", argv[i]);
			return -EINVAL;
		} else {
			a->sid = argv[i];
		}
	}
	if (!a->sid == !a->from) {
		log_error(a->sid ? "give either a session id or --from, not both"
				 : "missing session id (a session id, 'latest', or --from FILE)");
		return -EINVAL;
	}
	return 0;
}

/* Writes to a temporary file and renames it, so a failed run leaves no half policy. */
static int gen_write(const struct gen_args *a, const struct report_session *s)
{
	struct pgen_opts o = a->o;
	char tmp[4096];
	FILE *out = stdout;
	int r;

	o.session_id = s->id;
	if (a->output) {
		snprintf(tmp, sizeof(tmp), "%s.tmp.%d", a->output, (int)getpid());
		out = fopen(tmp, "w");
		if (!out)
			return log_errno(-errno, "cannot write policy to '%s'", tmp);
	}
	r = pgen_build(s->events, &o, out);
	if (r == -EINVAL)
		log_error("session %s has no events to generate a policy from", s->id ? s->id : "");
	if (out != stdout && (fclose(out) != 0 || r < 0 || rename(tmp, a->output) < 0)) {
		r = r < 0 ? r : log_errno(-errno, "cannot write policy to '%s'", a->output);
		unlink(tmp);
	}
	return r;
}

int cmd_policy_generate(int argc, char **argv, const struct cli_globals *g)
{
	struct gen_args a = {.o = {.threshold = 5}};
	struct report_session s = {0};
	int r;

	if (gen_parse(argc, argv, &a) < 0) {
		gen_usage(stderr);
		return 2;
	}
	r = a.from ? report_load_session_file(a.from, &s) : report_fetch_session(g, a.sid, &s);
	if (r == 0)
		r = gen_write(&a, &s);
	report_session_release(&s);
	if (r == 0 && a.output)
		fprintf(stderr, "wrote %s\n", a.output);
	return r < 0 ? 1 : 0;
}
