#include "compat.h"
#include "cli.h"
#include "log.h"

int cmd_attach(int argc, char **argv, const struct cli_globals *g)
{
	log_error("'attach' is not implemented in this build");
	return 2;
}
