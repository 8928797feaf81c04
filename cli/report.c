#include "compat.h"
#include "cli.h"
#include "log.h"
#include "report_fetch.h"
#include "report_md.h"

#include <stdio.h>

struct report_args {
	const char *sid;
	const char *level;
	const char *output;
	const char *from;      /* --from FILE: events file instead of the server */
	const char *workspace; /* --workspace DIR: overrides the session's */
};

static void report_usage(FILE *out)
{
	fprintf(out,
		"usage: agentsh report <sid|latest> [--level summary|detailed] [--output FILE]\n"
		"       agentsh report --from EVENTS.jsonl [--workspace DIR] [--level ...]\n");
}

static int report_parse(int argc, char **argv, struct report_args *a)
{
	static const struct {
		const char *flag;
		size_t off;
	} opts[] = {
	    {"--level", offsetof(struct report_args, level)},
	    {"--output", offsetof(struct report_args, output)},
	    {"-o", offsetof(struct report_args, output)},
	    {"--from", offsetof(struct report_args, from)},
	    {"--workspace", offsetof(struct report_args, workspace)},
	};

	for (int i = 1; i < argc; i++) {
		size_t k;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			report_usage(stdout);
			exit(0);
		}
		for (k = 0; k < ARRAY_SIZE(opts); k++)
			if (strcmp(argv[i], opts[k].flag) == 0)
				break;
		if (k < ARRAY_SIZE(opts)) {
			if (i + 1 >= argc) {
				log_error("option %s needs a value", argv[i]);
				return -EINVAL;
			}
			*(const char **)((char *)a + opts[k].off) = argv[++i];
		} else if (argv[i][0] == '-' || a->sid) {
			log_error("unexpected argument '%s'", argv[i]);
			return -EINVAL;
		} else {
			a->sid = argv[i];
		}
	}
	if (strcmp(a->level, "summary") && strcmp(a->level, "detailed")) {
		log_error("--level must be summary or detailed, not '%s'", a->level);
		return -EINVAL;
	}
	if (!a->sid == !a->from) {
		log_error(a->sid ? "give either a session id or --from, not both"
				 : "missing session id (a session id, 'latest', or --from FILE)");
		return -EINVAL;
	}
	return 0;
}

static int report_write(const struct report_args *a, const struct report_session *s)
{
	struct report_opts o = {
	    .detailed = strcmp(a->level, "detailed") == 0,
	    .session_id = s->id,
	    .workspace = a->workspace ? a->workspace : s->workspace,
	    .policy = s->policy,
	};
	FILE *out = a->output ? fopen(a->output, "w") : stdout;
	int r;

	if (!out)
		return log_errno(-errno, "cannot write report to '%s'", a->output);
	r = report_render(s->events, &o, out);
	if (out != stdout && fclose(out) != 0)
		r = -EIO;
	if (r < 0)
		log_error("writing the report to %s failed", a->output ? a->output : "stdout");
	return r;
}

int cmd_report(int argc, char **argv, const struct cli_globals *g)
{
	struct report_args a = {.level = "summary"};
	struct report_session s = {0};
	int r;

	if (report_parse(argc, argv, &a) < 0) {
		report_usage(stderr);
		return 2;
	}
	r = a.from ? report_load_session_file(a.from, &s) : report_fetch_session(g, a.sid, &s);
	if (r == 0)
		r = report_write(&a, &s);
	report_session_release(&s);
	return r < 0 ? 1 : 0;
}
