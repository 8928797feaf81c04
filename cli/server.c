#include "compat.h"
#include "cli.h"
#include "config/config.h"
#include "log.h"
#include "server/server.h"

#include <limits.h>
#include <stdio.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: agentsh server [--config FILE]\n\n"
		     "Runs the agentsh HTTP API (default 127.0.0.1:18080, AGENTSH_HTTP_ADDR).\n"
		     "Config: --config, AGENTSH_CONFIG, ~/.config/agentsh/config.yaml|yml,\n"
		     "/etc/agentsh/config.yaml.\n");
}

int cmd_server(int argc, char **argv, const struct cli_globals *g)
{
	const char *config_flag = NULL;
	char err[CONFIG_ERR_LEN], self[PATH_MAX];
	struct config cfg;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			config_flag = argv[++i];
		} else if (strncmp(argv[i], "--config=", 9) == 0) {
			config_flag = argv[i] + 9;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else {
			log_error("server: unknown argument '%s'", argv[i]);
			usage(stderr);
			return 2;
		}
	}
	if (config_load_discovered(config_flag, &cfg, err) < 0) {
		log_error("%s", err);
		config_free(&cfg); /* holds the defaults after an error */
		return 2;
	}
	if (!realpath("/proc/self/exe", self)) {
		log_error("cannot find the agentsh binary (/proc/self/exe)");
		config_free(&cfg);
		return 1;
	}
	r = server_run(&cfg, cfg.path, self);
	config_free(&cfg);
	return r < 0 ? 1 : 0;
}
