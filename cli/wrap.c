#include "compat.h"
#include "cli.h"
#include "log.h"

int cmd_wrap(int argc, char **argv, const struct cli_globals *g)
{
	log_error("'wrap' is not implemented in this build");
	return 2;
}
