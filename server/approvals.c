/* Pending approvals: added by an exec's approver socket, answered over HTTP. */
#include "compat.h"
#include "internal.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <stdio.h>

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

void approvals_add(struct server *srv, struct exec_run *run, const char *id, cJSON *event,
		   long timeout_ms)
{
	struct approval *a = calloc(1, sizeof(*a));

	if (!a) {
		cJSON_Delete(event);
		return;
	}
	srv_new_id("appr-", a->id, sizeof(a->id));
	snprintf(a->wrap_id, sizeof(a->wrap_id), "%s", id);
	snprintf(a->session_id, sizeof(a->session_id), "%s", jstr(event, "session_id"));
	snprintf(a->command_id, sizeof(a->command_id), "%s", jstr(event, "command_id"));
	a->event = event;
	a->created_ms = srv_now_ms();
	a->expires_ms = a->created_ms + (timeout_ms > 0 ? timeout_ms : 5000);
	a->run = run;
	pthread_mutex_lock(&srv->lock);
	a->next = srv->approvals;
	srv->approvals = a;
	srv->m.approvals++;
	pthread_mutex_unlock(&srv->lock);
}

static struct approval *unlink_locked(struct server *srv, const char *id)
{
	for (struct approval **pp = &srv->approvals; *pp; pp = &(*pp)->next)
		if (strcmp((*pp)->id, id) == 0) {
			struct approval *a = *pp;

			*pp = a->next;
			return a;
		}
	return NULL;
}

static void approval_free(struct approval *a)
{
	cJSON_Delete(a->event);
	free(a);
}

static const char *decision_norm(const char *d)
{
	static const struct {
		const char *in, *out;
	} names[] = { { "allow", "allow" }, { "approve", "allow" }, { "approved", "allow" },
		      { "deny", "deny" },   { "reject", "deny" },   { "denied", "deny" } };

	for (size_t i = 0; d && i < ARRAY_SIZE(names); i++)
		if (strcmp(d, names[i].in) == 0)
			return names[i].out;
	return NULL;
}

int approvals_resolve(struct server *srv, const char *id, const char *decision,
		      const char *reason)
{
	const char *d = decision_norm(decision);
	struct approval *a;
	cJSON *line;
	char *text = NULL;
	int r = -ENOENT;

	if (!d)
		return -EINVAL;
	pthread_mutex_lock(&srv->lock);
	a = unlink_locked(srv, id);
	if (a) {
		line = cJSON_CreateObject();
		cJSON_AddStringToObject(line, "id", a->wrap_id);
		cJSON_AddStringToObject(line, "decision", d);
		cJSON_AddStringToObject(line, "reason", reason ? reason : "");
		text = cJSON_PrintUnformatted(line);
		cJSON_Delete(line);
		r = text ? exec_answer_approval(a->run, text) : -ENOMEM;
	}
	if (a) {
		srv->m.hold_ms_total += srv_now_ms() - a->created_ms;
		srv->m.approvals_allowed += d[0] == 'a';
		srv->m.approvals_denied += d[0] == 'd';
	}
	pthread_mutex_unlock(&srv->lock);
	free(text);
	if (a)
		approval_free(a);
	return r;
}

void approvals_drop_run(struct server *srv, struct exec_run *run)
{
	pthread_mutex_lock(&srv->lock);
	for (struct approval **pp = &srv->approvals; *pp;) {
		struct approval *a = *pp;

		if (a->run == run) {
			*pp = a->next;
			approval_free(a);
		} else {
			pp = &a->next;
		}
	}
	pthread_mutex_unlock(&srv->lock);
}

static cJSON *approval_json(const struct approval *a)
{
	cJSON *j = cJSON_CreateObject();
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(a->event, "policy");
	char ts[40];

	cJSON_AddStringToObject(j, "id", a->id);
	cJSON_AddStringToObject(j, "status", "pending");
	cJSON_AddStringToObject(j, "session_id", a->session_id);
	cJSON_AddStringToObject(j, "command_id", a->command_id);
	cJSON_AddStringToObject(j, "type", jstr(a->event, "type"));
	cJSON_AddStringToObject(j, "operation", jstr(a->event, "operation"));
	cJSON_AddStringToObject(j, "rule", jstr(p, "rule"));
	cJSON_AddStringToObject(j, "message", jstr(p, "message"));
	srv_iso8601(a->created_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(j, "created_at", ts);
	srv_iso8601(a->expires_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(j, "expires_at", ts);
	cJSON_AddItemToObject(j, "event", cJSON_Duplicate(a->event, 1));
	return j;
}

cJSON *approvals_list_json(struct server *srv)
{
	cJSON *arr = cJSON_CreateArray();
	long long now = srv_now_ms();

	pthread_mutex_lock(&srv->lock);
	for (struct approval *a = srv->approvals; a; a = a->next)
		if (a->expires_ms > now)
			cJSON_AddItemToArray(arr, approval_json(a));
	pthread_mutex_unlock(&srv->lock);
	return arr;
}
