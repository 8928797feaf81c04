#include "compat.h"
#include "cli.h"
#include "log.h"

int cmd_exec(int argc, char **argv, const struct cli_globals *g)
{
	log_error("'exec' is not implemented in this build");
	return 2;
}
