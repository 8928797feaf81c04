#include "compat.h"
#include "cli.h"
#include "log.h"

int cmd_trash(int argc, char **argv, const struct cli_globals *g)
{
	log_error("'trash' is not implemented in this build");
	return 2;
}
