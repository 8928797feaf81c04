#include "compat.h"
#include "cli.h"
#include "log.h"

int cmd_approve(int argc, char **argv, const struct cli_globals *g)
{
	log_error("'approve' is not implemented in this build");
	return 2;
}
