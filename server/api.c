/* The /api/v1 handlers and the route table. */
#include "compat.h"
#include "http.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <stdio.h>

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static enum MHD_Result health(struct hreq *r)
{
	return http_send_text(r->conn, 200, "text/plain", "ok");
}

static enum MHD_Result ready(struct hreq *r)
{
	if (r->srv->stopping || !r->srv->store)
		return http_send_text(r->conn, 503, "text/plain", "not ready");
	return http_send_text(r->conn, 200, "text/plain", "ready");
}

static enum MHD_Result metrics(struct hreq *r)
{
	char *text = metrics_render(r->srv);
	enum MHD_Result res = http_send_text(r->conn, text ? 200 : 500,
					     "text/plain; version=0.0.4", text ? text : "");

	free(text);
	return res;
}

static unsigned create_status(int err)
{
	return err == -EEXIST ? 409 : err == -ENOSPC ? 429 : err == -EPERM ? 403 : 400;
}

static enum MHD_Result session_create(struct hreq *r)
{
	struct session *s = NULL;
	char msg[1024] = "invalid session request";
	cJSON *j;
	int err = sessions_create(r->srv, r->json, &s, msg, sizeof(msg));

	if (err < 0)
		return http_send_error(r->conn, create_status(err), "E_INVALID_REQUEST", "%s", msg);
	pthread_mutex_lock(&r->srv->lock);
	j = session_to_json(s);
	pthread_mutex_unlock(&r->srv->lock);
	session_put(r->srv, s);
	return http_send_json(r->conn, 201, j);
}

static enum MHD_Result session_list(struct hreq *r)
{
	return http_send_json(r->conn, 200, sessions_list_json(r->srv));
}

static enum MHD_Result no_session(struct hreq *r)
{
	return http_send_error(r->conn, 404, "E_SESSION_NOT_FOUND", "no such session: %s",
			       r->params[0]);
}

static enum MHD_Result session_info(struct hreq *r)
{
	struct session *s = sessions_get(r->srv, r->params[0]);
	cJSON *j;

	if (!s)
		return no_session(r);
	pthread_mutex_lock(&r->srv->lock);
	j = session_to_json(s);
	pthread_mutex_unlock(&r->srv->lock);
	session_put(r->srv, s);
	return http_send_json(r->conn, 200, j);
}

static enum MHD_Result session_update(struct hreq *r)
{
	struct session *s = sessions_get(r->srv, r->params[0]);
	char msg[1024] = "invalid update";
	cJSON *j;

	if (!s)
		return no_session(r);
	if (sessions_update(r->srv, s, r->json, msg, sizeof(msg)) < 0) {
		session_put(r->srv, s);
		return http_send_error(r->conn, 400, "E_INVALID_REQUEST", "%s", msg);
	}
	pthread_mutex_lock(&r->srv->lock);
	j = session_to_json(s);
	pthread_mutex_unlock(&r->srv->lock);
	session_put(r->srv, s);
	return http_send_json(r->conn, 200, j);
}

static enum MHD_Result session_destroy(struct hreq *r)
{
	cJSON *j;

	if (sessions_destroy(r->srv, r->params[0]) < 0)
		return no_session(r);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", r->params[0]);
	cJSON_AddBoolToObject(j, "destroyed", true);
	return http_send_json(r->conn, 200, j);
}

static enum MHD_Result exec(struct hreq *r)
{
	struct session *s = sessions_get(r->srv, r->params[0]);
	cJSON *resp = NULL;
	int status;

	if (!s)
		return no_session(r);
	status = exec_run(r->srv, s, r->json, NULL, &resp);
	session_put(r->srv, s);
	return http_send_json(r->conn, (unsigned)status, resp);
}

static enum MHD_Result kill_cmd(struct hreq *r)
{
	cJSON *j;

	if (exec_kill(r->srv, r->params[0], r->params[1]) < 0)
		return http_send_error(r->conn, 404, "E_COMMAND_NOT_FOUND",
				       "no running command %s in session %s", r->params[1],
				       r->params[0]);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "command_id", r->params[1]);
	cJSON_AddBoolToObject(j, "killed", true);
	return http_send_json(r->conn, 200, j);
}

static enum MHD_Result output(struct hreq *r)
{
	cJSON *ev = exec_output_json(r->srv, r->params[0], r->params[1]);

	if (!ev)
		return http_send_error(r->conn, 404, "E_COMMAND_NOT_FOUND",
				       "no finished command %s in session %s", r->params[1],
				       r->params[0]);
	return http_send_json(r->conn, 200, ev);
}

static long query_limit(const struct hreq *r)
{
	const char *l = http_query(r, "limit");

	return l ? strtol(l, NULL, 10) : 0;
}

static enum MHD_Result history(struct hreq *r)
{
	struct session *s = sessions_get(r->srv, r->params[0]);
	cJSON *j, *events;

	if (s)
		session_put(r->srv, s);
	else if (!store_has_session(r->srv->store, r->params[0]))
		return no_session(r);
	events = store_query(r->srv->store, r->params[0], http_query(r, "type"),
			     http_query(r, "decision"), http_query(r, "since"),
			     http_query(r, "command_id"), query_limit(r));
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "session_id", r->params[0]);
	cJSON_AddNumberToObject(j, "count", cJSON_GetArraySize(events));
	cJSON_AddItemToObject(j, "events", events);
	return http_send_json(r->conn, 200, j);
}

static enum MHD_Result search(struct hreq *r)
{
	cJSON *events = store_query(r->srv->store, http_query(r, "session_id"),
				    http_query(r, "type"), http_query(r, "decision"),
				    http_query(r, "since"), http_query(r, "command_id"),
				    query_limit(r) > 0 ? query_limit(r) : 1000);
	cJSON *j = cJSON_CreateObject();

	cJSON_AddNumberToObject(j, "count", cJSON_GetArraySize(events));
	cJSON_AddItemToObject(j, "events", events);
	return http_send_json(r->conn, 200, j);
}

static enum MHD_Result approvals_list(struct hreq *r)
{
	return http_send_json(r->conn, 200, approvals_list_json(r->srv));
}

static enum MHD_Result approval_resolve(struct hreq *r)
{
	const char *d = jstr(r->json, "decision");
	int err = approvals_resolve(r->srv, r->params[0], d, jstr(r->json, "reason"));
	cJSON *j;

	if (err == -EINVAL)
		return http_send_error(r->conn, 400, "E_INVALID_REQUEST",
				       "decision must be \"allow\" or \"deny\"");
	if (err == -ENOENT)
		return http_send_error(r->conn, 404, "E_APPROVAL_NOT_FOUND",
				       "no pending approval %s (answered or timed out)",
				       r->params[0]);
	if (err < 0)
		return http_send_error(r->conn, 410, "E_APPROVAL_GONE",
				       "the command waiting for approval %s has ended",
				       r->params[0]);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "id", r->params[0]);
	cJSON_AddStringToObject(j, "decision", d[0] == 'a' ? "allow" : "deny");
	cJSON_AddStringToObject(j, "status", "resolved");
	return http_send_json(r->conn, 200, j);
}

const struct route api_routes[] = {
	{ "GET", "/health", health, false },
	{ "GET", "/ready", ready, false },
	{ "GET", "/metrics", metrics, false },
	{ "POST", "/api/v1/sessions", session_create, true },
	{ "GET", "/api/v1/sessions", session_list, false },
	{ "GET", "/api/v1/sessions/{id}", session_info, false },
	{ "PATCH", "/api/v1/sessions/{id}", session_update, true },
	{ "DELETE", "/api/v1/sessions/{id}", session_destroy, false },
	{ "POST", "/api/v1/sessions/{id}/exec", exec, true },
	{ "POST", "/api/v1/sessions/{id}/exec/stream", api_exec_stream, true },
	{ "POST", "/api/v1/sessions/{id}/kill/{cmd}", kill_cmd, false },
	{ "GET", "/api/v1/sessions/{id}/output/{cmd}", output, false },
	{ "GET", "/api/v1/sessions/{id}/events", api_session_events, false },
	{ "GET", "/api/v1/sessions/{id}/pty", api_session_pty, false },
	{ "GET", "/api/v1/sessions/{id}/history", history, false },
	{ "GET", "/api/v1/events/search", search, false },
	{ "GET", "/api/v1/approvals", approvals_list, false },
	{ "POST", "/api/v1/approvals/{id}", approval_resolve, true },
};

const size_t api_nroutes = ARRAY_SIZE(api_routes);
