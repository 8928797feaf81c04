/* Markdown session report from an array of audit events (pure: writes only to `out`). */
#ifndef AGENTSH_CLI_REPORT_MD_H
#define AGENTSH_CLI_REPORT_MD_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

struct report_opts {
	bool detailed;		/* include the full timeline */
	const char *session_id; /* NULL: taken from the events */
	const char *workspace;	/* NULL: "writes outside the workspace" is not judged */
	const char *policy;	/* policy name, for the header; may be NULL */
};

/* Returns 0, or -EIO when writing failed. */
int report_render(const cJSON *events, const struct report_opts *o, FILE *out);

/* A write-like file operation (anything that is not open/read/stat/list/readlink/access). */
bool report_op_is_write(const char *op);

#endif /* !AGENTSH_CLI_REPORT_MD_H */
