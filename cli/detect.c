#include "compat.h"
#include "cli.h"
#include "enforce/backends.h"
#include "detect/detect.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>

static const struct {
	const char *name;
	enum detect_format fmt;
} formats[] = {
	{ "table", DETECT_FORMAT_TABLE },
	{ "json", DETECT_FORMAT_JSON },
	{ "yaml", DETECT_FORMAT_YAML },
};

static void detect_usage(FILE *out)
{
	fprintf(out, "usage: agentsh detect [-o table|json|yaml]\n"
		     "       agentsh detect config [-o FILE]\n");
}

/* Parses -o/--output VALUE; returns 0, 1 for --help, or -EINVAL. */
static int parse_output(int argc, char **argv, const char **value)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' },
					      { "help", no_argument, NULL, 'h' },
					      { NULL, 0, NULL, 0 } };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		if (c == 'o')
			*value = optarg;
		else if (c == 'h')
			return 1;
		else
			return -EINVAL;
	}
	return optind == argc ? 0 : -EINVAL;
}

static int run_config(int argc, char **argv)
{
	const char *path = NULL;
	struct detect_result r;
	struct detect_model m;
	FILE *out = stdout;
	int err = parse_output(argc, argv, &path);

	if (err)
		return detect_usage(err > 0 ? stdout : stderr), err > 0 ? 0 : 2;
	detect_run(&r);
	detect_model_build(&r, &m);
	if (path && !(out = fopen(path, "we"))) {
		log_errno(-errno, "cannot write config to %s", path);
		return 1;
	}
	err = detect_write_config(out, &r, &m);
	if (path && fclose(out) != 0 && !err)
		err = -errno;
	if (err < 0)
		return log_errno(err, "writing config"), 1;
	if (path)
		printf("Configuration written to %s\n", path);
	return 0;
}

int cmd_detect(int argc, char **argv, const struct cli_globals *g)
{
	if (argc > 1 && strcmp(argv[1], "--plan") == 0)
		return cmd_detect_plan(argc, argv);
	const char *name = "table";
	struct detect_result r;
	struct detect_model m;
	size_t i;
	int err;

	if (argc > 1 && strcmp(argv[1], "config") == 0)
		return run_config(argc - 1, argv + 1);
	err = parse_output(argc, argv, &name);
	if (err)
		return detect_usage(err > 0 ? stdout : stderr), err > 0 ? 0 : 2;
	for (i = 0; i < ARRAY_SIZE(formats) && strcmp(formats[i].name, name) != 0; i++)
		;
	if (i == ARRAY_SIZE(formats)) {
		log_error("unknown output format '%s' (use table, json or yaml)", name);
		return 2;
	}
	detect_run(&r);
	detect_model_build(&r, &m);
	err = detect_write(stdout, &r, &m, formats[i].fmt);
	if (err < 0)
		return log_errno(err, "writing detect report"), 1;
	return 0;
}
