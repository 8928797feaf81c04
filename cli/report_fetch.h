/* Getting a session's events: from the server's history API or from an events file. */
#ifndef AGENTSH_CLI_REPORT_FETCH_H
#define AGENTSH_CLI_REPORT_FETCH_H

#include <cjson/cJSON.h>

struct cli_globals;

struct report_session {
	char *id;
	char *workspace; /* NULL when unknown */
	char *policy;	 /* NULL when unknown */
	cJSON *events;	 /* array of event objects, oldest first */
};

/* `sid` may be "latest" (the session with the newest created_at). Returns 0, or
 * a negative errno after logging what went wrong and what to do. */
int report_fetch_session(const struct cli_globals *g, const char *sid, struct report_session *s);
/* Events from a JSON/JSONL file (`agentsh wrap --events FILE`); "-" = stdin. */
int report_load_session_file(const char *path, struct report_session *s);
void report_session_release(struct report_session *s);

#endif /* !AGENTSH_CLI_REPORT_FETCH_H */
