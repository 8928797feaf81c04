#include "compat.h"
#include "report_fetch.h"
#include "report_events.h"
#include "cli.h"
#include "client.h"
#include "log.h"

#include <stdio.h>

/* GET server + path; returns the HTTP status (>0) and the body, or -errno (logged). */
static long http_get(const struct cli_globals *g, const char *path, char **body)
{
	struct client_resp resp = {0};
	int r = client_request(g, "GET", path, NULL, &resp);
	long status = resp.status;

	if (r < 0) {
		log_error(
		    "start a server with `agentsh server`, or point --server / AGENTSH_SERVER "
		    "at one");
		client_resp_free(&resp);
		return r;
	}
	*body = resp.body ? resp.body : strdup("");
	resp.body = NULL;
	client_resp_free(&resp);
	return *body ? status : -ENOMEM;
}

/* GET and parse JSON; 0 or -errno (logged). */
static int get_json(const struct cli_globals *g, const char *path, const char *what, cJSON **out)
{
	char *body = NULL;
	long st = http_get(g, path, &body);

	if (st < 0)
		return (int)st;
	if (st != 200) {
		if (what) /* NULL: the caller handles a non-200 answer itself */
			log_error("%s: server answered HTTP %ld%s%.200s", what, st,
				  body && *body ? ": " : "", body ? body : "");
		free(body);
		return st == 404 ? -ENOENT : -EREMOTEIO;
	}
	*out = cJSON_Parse(body);
	free(body);
	if (!*out) {
		log_error("%s: server sent invalid JSON", what ? what : path);
		return -EPROTO;
	}
	return 0;
}

static char *json_strdup(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsString(v) && v->valuestring[0] ? strdup(v->valuestring) : NULL;
}

/* The session list, whatever wrapper the server uses. */
static const cJSON *sessions_array(const cJSON *root)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(root, "sessions");

	return cJSON_IsArray(root) ? root : cJSON_IsArray(a) ? a : NULL;
}

/* Newest created_at wins; on equal or missing times the later entry. */
static const cJSON *pick_latest(const cJSON *list)
{
	const cJSON *s, *best = NULL;
	const char *best_t = "";

	cJSON_ArrayForEach(s, list)
	{
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(s, "created_at");
		const char *ts = cJSON_IsString(t) ? t->valuestring : "";

		if (cJSON_IsObject(s) && strcmp(ts, best_t) >= 0) {
			best = s;
			best_t = ts;
		}
	}
	return best;
}

static void session_fill(struct report_session *s, const cJSON *info)
{
	if (!s->id)
		s->id = json_strdup(info, "id");
	s->workspace = json_strdup(info, "workspace");
	s->policy = json_strdup(info, "policy");
}

static int resolve_session(const struct cli_globals *g, const char *sid, struct report_session *s)
{
	cJSON *root = NULL;
	char path[1024];
	int r;

	if (strcmp(sid, "latest") != 0) {
		s->id = strdup(sid);
		snprintf(path, sizeof(path), "/api/v1/sessions/%s", sid);
		/* Best effort: the history of a destroyed session outlives its info. */
		r = get_json(g, path, NULL, &root);
		if (r == 0)
			session_fill(s, root);
		cJSON_Delete(root);
		if (r < 0 && r != -ENOENT && r != -EREMOTEIO)
			return r; /* unreachable server: already explained */
		return s->id ? 0 : -ENOMEM;
	}
	r = get_json(g, "/api/v1/sessions", "list sessions", &root);
	if (r < 0)
		return r;
	if (!pick_latest(sessions_array(root))) {
		log_error("there are no sessions on %s (create one with `agentsh session create`)",
			  g->server);
		cJSON_Delete(root);
		return -ENOENT;
	}
	session_fill(s, pick_latest(sessions_array(root)));
	cJSON_Delete(root);
	return s->id ? 0 : -EPROTO;
}

static bool sid_is_safe(const char *sid)
{
	for (const char *p = sid; *p; p++)
		if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return *sid && strcmp(sid, ".") && strcmp(sid, "..");
}

int report_fetch_session(const struct cli_globals *g, const char *sid, struct report_session *s)
{
	char path[1024], *body = NULL;
	long st;
	int r;

	if (!sid_is_safe(sid)) {
		log_error("invalid session id '%s'", sid);
		return -EINVAL;
	}
	r = resolve_session(g, sid, s);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/api/v1/sessions/%s/history", s->id);
	st = http_get(g, path, &body);
	if (st < 0)
		return (int)st;
	if (st != 200) {
		log_error("session '%s' history: server answered HTTP %ld%s", s->id, st,
			  st == 404 ? " (no such session; see `agentsh session list`)" : "");
		free(body);
		return st == 404 ? -ENOENT : -EIO;
	}
	s->events = report_events_parse(body);
	free(body);
	return s->events ? 0 : -ENOMEM;
}

int report_load_session_file(const char *path, struct report_session *s)
{
	const cJSON *first;

	s->events = report_events_load_file(path);
	if (!s->events)
		return -EINVAL;
	first = cJSON_GetArrayItem(s->events, 0);
	if (first && report_ev_str(first, "session_id"))
		s->id = strdup(report_ev_str(first, "session_id"));
	return 0;
}

void report_session_release(struct report_session *s)
{
	free(s->id);
	free(s->workspace);
	free(s->policy);
	cJSON_Delete(s->events);
	*s = (struct report_session){0};
}
