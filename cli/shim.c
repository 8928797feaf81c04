#include "compat.h"
#include "cli.h"
#include "log.h"

int cmd_shim(int argc, char **argv, const struct cli_globals *g)
{
	log_error("'shim' is not implemented in this build");
	return 2;
}
