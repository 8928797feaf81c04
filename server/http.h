/* Private to the HTTP files: one request and the helpers handlers answer with. */
#ifndef AGENTSH_SERVER_HTTP_H
#define AGENTSH_SERVER_HTTP_H

#include "internal.h"

#include <microhttpd.h>

#define HTTP_MAX_PARAMS 3

struct hreq {
	struct server *srv;
	struct MHD_Connection *conn;
	const char *method, *url;
	const char *params[HTTP_MAX_PARAMS];
	char *body;
	size_t body_len;
	struct cJSON *json; /* parsed body for POST/PATCH with one */
};

enum MHD_Result http_send_json(struct MHD_Connection *c, unsigned status, struct cJSON *j);
enum MHD_Result http_send_text(struct MHD_Connection *c, unsigned status, const char *type,
			       const char *text);
enum MHD_Result http_send_error(struct MHD_Connection *c, unsigned status, const char *code,
				const char *fmt, ...) PRINTF_LIKE(4, 5);
const char *http_query(const struct hreq *r, const char *key);

typedef enum MHD_Result (*http_handler)(struct hreq *r);

struct route {
	const char *method, *pattern;
	http_handler fn;
	bool needs_body; /* a JSON object body is required */
};

extern const struct route api_routes[];
extern const size_t api_nroutes;

struct MHD_Daemon *http_start_tcp(struct server *srv, const char *addr);
struct MHD_Daemon *http_start_unix(struct server *srv, const char *path);

/* SSE responses (sse_http.c). */
enum MHD_Result api_exec_stream(struct hreq *r);
enum MHD_Result api_session_events(struct hreq *r);
/* WebSocket terminal (pty.c). */
enum MHD_Result api_session_pty(struct hreq *r);

#endif /* !AGENTSH_SERVER_HTTP_H */
