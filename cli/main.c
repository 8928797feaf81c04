#include "compat.h"
#include "cli.h"
#include "log.h"
#include "config/config.h"

#include <stdio.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, const struct cli_globals *g);
	const char *help;
};

static const struct command commands[] = {
#define X(n, h) { #n, cmd_##n, h },
	CLI_COMMANDS(X)
#undef X
};

static void usage(FILE *out)
{
	fprintf(out, "usage: agentsh [--server URL] [--api-key KEY] [--client-timeout D] "
		     "<command> [args]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].help);
}

/* Go-style durations, parsed by the config module's one parser. */
int cli_parse_duration_ms(const char *s, long *out_ms)
{
	long long ms;
	int r = config_parse_duration_ms(s, &ms);

	if (r == 0)
		*out_ms = (long)ms;
	return r;
}

static int parse_globals(int argc, char **argv, struct cli_globals *g)
{
	const char *t = getenv("AGENTSH_CLIENT_TIMEOUT");
	int i = 1;

	g->server = getenv("AGENTSH_SERVER");
	if (!g->server || !*g->server)
		g->server = "http://127.0.0.1:18080";
	g->api_key = getenv("AGENTSH_API_KEY");
	g->transport = "http";
	g->client_timeout_ms = 30000;
	if (t && cli_parse_duration_ms(t, &g->client_timeout_ms) < 0) {
		log_error("AGENTSH_CLIENT_TIMEOUT: invalid duration '%s'", t);
		return -1;
	}
	while (i < argc && argv[i][0] == '-') {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(0);
		}
		if (!val) {
			log_error("option %s needs a value", a);
			return -1;
		}
		if (strcmp(a, "--server") == 0)
			g->server = val;
		else if (strcmp(a, "--api-key") == 0)
			g->api_key = val;
		else if (strcmp(a, "--transport") == 0)
			g->transport = val;
		else if (strcmp(a, "--client-timeout") == 0) {
			if (cli_parse_duration_ms(val, &g->client_timeout_ms) < 0) {
				log_error("--client-timeout: invalid duration '%s'", val);
				return -1;
			}
		} else {
			log_error("unknown global option %s", a);
			return -1;
		}
		i += 2; /* the option and its value */
	}
	return i;
}

int main(int argc, char **argv)
{
	struct cli_globals g = { .argv0 = argv[0] };
	const char *lvl = getenv("AGENTSH_LOG_LEVEL");
	int first;

	if (lvl && strcmp(lvl, "debug") == 0)
		log_set_level(LOG_LEVEL_DEBUG);
	else if (lvl && strcmp(lvl, "info") == 0)
		log_set_level(LOG_LEVEL_INFO);
	first = parse_globals(argc, argv, &g);
	if (first < 0)
		return 2;
	if (first >= argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[first], "version") == 0 || strcmp(argv[first], "--version") == 0) {
		printf("agentsh 0.1.0\n");
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (strcmp(argv[first], commands[i].name) == 0)
			return commands[i].fn(argc - first, argv + first, &g);
	log_error("unknown command '%s' (see agentsh --help)", argv[first]);
	return 2;
}
