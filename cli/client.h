/* libcurl client for the agentsh server API, shared by the CLI commands. */
#ifndef AGENTSH_CLI_CLIENT_H
#define AGENTSH_CLI_CLIENT_H

#include <stddef.h>

struct cli_globals;
struct cJSON;

struct client_resp {
	long status; /* HTTP status; 0 when the server could not be reached */
	char *body;
	size_t len;
};

/* One request to g->server + path (body may be NULL). Returns 0 (resp filled, any status)
 * or -ECONNREFUSED / -ETIMEDOUT / -EIO with the reason logged. */
int client_request(const struct cli_globals *g, const char *method, const char *path,
		   const char *body, struct client_resp *resp);
void client_resp_free(struct client_resp *resp);

/* Like client_request, parsing the answer as JSON (*out NULL when not JSON). */
int client_json(const struct cli_globals *g, const char *method, const char *path,
		const struct cJSON *body, long *status, struct cJSON **out);

/* Server-sent events: calls fn(event, data, ctx) per event; fn returns non-zero to stop. */
int client_sse(const struct cli_globals *g, const char *path, const char *body,
	       int (*fn)(const char *event, const char *data, void *ctx), void *ctx);

/* Makes sure a server answers /health; starts `agentsh server` in the background when the
 * server URL is local and AGENTSH_NO_AUTO is not 1. Returns 0 or -errno (logged). */
int client_ensure_server(const struct cli_globals *g);

/* WebSocket to g->server + path (http:// URLs): the connected socket, or -errno (logged,
 * with the server's error for a refused upgrade). Bytes past the handshake go into rd. */
struct ws_reader;
int client_ws_open(const struct cli_globals *g, const char *path, struct ws_reader *rd);

/* The "error" text of an error answer, or a generic message. Static buffer. */
const char *client_error_text(const struct client_resp *resp);

#endif /* !AGENTSH_CLI_CLIENT_H */
