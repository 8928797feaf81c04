#include "compat.h"
#include "cli.h"
#include "log.h"

int cmd_session(int argc, char **argv, const struct cli_globals *g)
{
	log_error("'session' is not implemented in this build");
	return 2;
}
