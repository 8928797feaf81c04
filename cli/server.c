#include "compat.h"
#include "cli.h"
#include "log.h"

int cmd_server(int argc, char **argv, const struct cli_globals *g)
{
	log_error("'server' is not implemented in this build");
	return 2;
}
