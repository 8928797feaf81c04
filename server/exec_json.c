/* The exec response of compat.md §3: result, events grouped by kind, resources, guidance. */
#include "compat.h"
#include "internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>

#define EVENTS_LIST_CAP 1000
#define SUMMARY_BLOCKED_CAP 25

static const struct {
	const char *type, *list;
} categories[] = {
	{ "ptrace_file", "file_operations" },       { "file", "file_operations" },
	{ "ptrace_network", "network_operations" }, { "ptrace_unix", "network_operations" },
	{ "dns_redirect", "network_operations" },   { "net", "network_operations" },
};

static const struct {
	const char *type, *suggestion;
} suggestions[] = {
	{ "ptrace_execve", "this command is not allowed by the session policy; use an allowed "
			   "command or ask for the policy to be changed" },
	{ "command_policy", "this command is not allowed by the session policy; use an allowed "
			    "command or ask for the policy to be changed" },
	{ "ptrace_file", "keep file access inside the workspace, or ask for the path to be "
			 "allowed by the policy" },
	{ "ptrace_network", "use an allowed destination, or ask for the host to be added to "
			    "network_rules" },
	{ "ptrace_unix", "this unix socket is not allowed by unix_socket_rules" },
	{ "ptrace_signal", "signals outside the command's own process tree are not allowed" },
	{ "ptrace_process", "this process-level operation is blocked by the sandbox" },
};

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *category(const cJSON *ev)
{
	const char *t = jstr(ev, "type");

	for (size_t i = 0; t && i < ARRAY_SIZE(categories); i++)
		if (strcmp(t, categories[i].type) == 0)
			return categories[i].list;
	return "other";
}

static bool is_blocked(const cJSON *ev)
{
	const char *d = jstr(cJSON_GetObjectItemCaseSensitive(ev, "policy"), "effective_decision");

	return d && strcmp(d, "deny") == 0;
}

static bool is_direct_exec_deny(const cJSON *ev)
{
	const cJSON *depth = cJSON_GetObjectItemCaseSensitive(ev, "depth");
	const char *t = jstr(ev, "type");

	return t && (strcmp(t, "ptrace_execve") == 0 || strcmp(t, "command_policy") == 0) &&
	       is_blocked(ev) &&
	       (!cJSON_IsNumber(depth) || depth->valuedouble == 0);
}

static bool direct_exec_allowed(const cJSON *events)
{
	const cJSON *ev;

	cJSON_ArrayForEach(ev, events)
	{
		const cJSON *depth = cJSON_GetObjectItemCaseSensitive(ev, "depth");
		const char *t = jstr(ev, "type");

		if (t && strcmp(t, "ptrace_execve") == 0 && !is_blocked(ev) &&
		    (!cJSON_IsNumber(depth) || depth->valuedouble == 0))
			return true;
	}
	return false;
}

static const cJSON *first_blocked(const cJSON *events, bool direct_only)
{
	const cJSON *ev;

	cJSON_ArrayForEach(ev, events)
		if (direct_only ? is_direct_exec_deny(ev) : is_blocked(ev))
			return ev;
	return NULL;
}

static bool list_wanted(const char *mode, const char *list)
{
	if (strcmp(mode, "all") == 0)
		return true;
	return strcmp(list, "blocked_operations") == 0;
}

static void events_add(cJSON *out, const char *list, const cJSON *ev, const char *mode,
		       bool *truncated)
{
	cJSON *a = cJSON_GetObjectItemCaseSensitive(out, list);
	int cap = strcmp(mode, "summary") == 0 && strcmp(list, "blocked_operations") == 0
			  ? SUMMARY_BLOCKED_CAP
			  : EVENTS_LIST_CAP;
	char key[64];
	cJSON *count;

	snprintf(key, sizeof(key), "%s_count",
		 strcmp(list, "other") == 0 ? "other" : list);
	count = cJSON_GetObjectItemCaseSensitive(out, key);
	cJSON_SetNumberValue(count, count->valuedouble + 1);
	if (!list_wanted(mode, list))
		return;
	if (cJSON_GetArraySize(a) >= cap)
		*truncated = true;
	else
		cJSON_AddItemToArray(a, cJSON_Duplicate(ev, 1));
}

static cJSON *events_build(const cJSON *events, const char *mode)
{
	static const char *const lists[] = { "file_operations", "network_operations",
					     "blocked_operations", "other" };
	cJSON *out = cJSON_CreateObject();
	bool truncated = false;
	const cJSON *ev;
	char key[64];

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++)
		cJSON_AddArrayToObject(out, lists[i]);
	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		snprintf(key, sizeof(key), "%s_count", lists[i]);
		cJSON_AddNumberToObject(out, key, 0);
	}
	cJSON_ArrayForEach(ev, events)
	{
		events_add(out, category(ev), ev, mode, &truncated);
		if (is_blocked(ev))
			events_add(out, "blocked_operations", ev, mode, &truncated);
	}
	cJSON_AddBoolToObject(out, "truncated", truncated);
	return out;
}

static const char *event_target(const cJSON *ev)
{
	static const char *const keys[] = { "path", "remote", "domain", "filename", "raw_filename" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (jstr(ev, keys[i]) && jstr(ev, keys[i])[0])
			return jstr(ev, keys[i]);
	return "";
}

static const char *event_suggestion(const cJSON *ev)
{
	const char *t = jstr(ev, "type");

	for (size_t i = 0; t && i < ARRAY_SIZE(suggestions); i++)
		if (strcmp(t, suggestions[i].type) == 0)
			return suggestions[i].suggestion;
	return "the operation was blocked by the session policy";
}

static void block_reason(const cJSON *ev, char *buf, size_t len)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "policy");
	const char *msg = jstr(p, "message"), *rule = jstr(p, "rule");
	const char *op = jstr(ev, "operation");

	if (msg && *msg)
		snprintf(buf, len, "%s", msg);
	else
		snprintf(buf, len, "%s %s denied by policy rule '%s'",
			 op ? op : jstr(ev, "type") ? jstr(ev, "type") : "operation",
			 event_target(ev), rule ? rule : "");
}

/* E_APPROVAL_* when the deny came from an unanswered or refused approval. */
static const char *deny_code(const cJSON *ev)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "policy");
	const char *d = jstr(p, "decision"), *msg = jstr(p, "message");

	if (!d || strcmp(d, "approve") != 0)
		return "E_POLICY_DENIED";
	return msg && strstr(msg, "timed out") ? "E_APPROVAL_TIMEOUT" : "E_APPROVAL_DENIED";
}

static cJSON *suggestion_array(const cJSON *blocked)
{
	cJSON *a = cJSON_CreateArray();

	if (blocked)
		cJSON_AddItemToArray(a, cJSON_CreateString(event_suggestion(blocked)));
	return a;
}

static cJSON *guidance_build(const struct exec_outcome *o, const cJSON *blocked)
{
	cJSON *g = cJSON_CreateObject();
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(blocked, "policy");
	const char *t = jstr(blocked, "type");
	const char *op = t && (strcmp(t, "ptrace_execve") == 0 || strcmp(t, "command_policy") == 0)
				 ? "exec"
				 : jstr(blocked, "operation");
	char reason[1024] = "";

	if (blocked)
		block_reason(blocked, reason, sizeof(reason));
	else if (o->timed_out)
		snprintf(reason, sizeof(reason), "command timed out");
	else if (o->exit_code != 0)
		snprintf(reason, sizeof(reason), "command exited with status %d", o->exit_code);
	cJSON_AddStringToObject(g, "status",
				blocked ? "blocked" : o->exit_code ? "failed" : "ok");
	cJSON_AddBoolToObject(g, "blocked", blocked != NULL);
	cJSON_AddBoolToObject(g, "retryable",
			      !blocked ? o->timed_out || o->tracer_failed
				       : strcmp(deny_code(blocked), "E_APPROVAL_TIMEOUT") == 0);
	cJSON_AddStringToObject(g, "reason", reason);
	cJSON_AddStringToObject(g, "policy_rule", blocked && jstr(p, "rule") ? jstr(p, "rule") : "");
	cJSON_AddStringToObject(g, "blocked_operation",
				blocked ? (op ? op : jstr(blocked, "type")) : "");
	cJSON_AddStringToObject(g, "blocked_target", blocked ? event_target(blocked) : "");
	cJSON_AddArrayToObject(g, "substitutions");
	cJSON_AddItemToObject(g, "suggestions", suggestion_array(blocked));
	return g;
}

static cJSON *error_build(const struct exec_outcome *o, const cJSON *denied)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(denied, "policy");
	cJSON *e = cJSON_CreateObject();
	char msg[1024];

	if (denied) {
		block_reason(denied, msg, sizeof(msg));
		cJSON_AddStringToObject(e, "code", deny_code(denied));
	} else {
		if (o->tracer_failed)
			snprintf(msg, sizeof(msg), "tracer failed: %s",
				 o->tracer_message ? o->tracer_message : "unknown error");
		else if (o->timed_out)
			snprintf(msg, sizeof(msg), "command timed out");
		else if (o->killed)
			snprintf(msg, sizeof(msg), "command was killed");
		else
			snprintf(msg, sizeof(msg), "command exited with status %d", o->exit_code);
		cJSON_AddStringToObject(e, "code", "E_COMMAND_FAILED");
	}
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "policy_rule", denied && jstr(p, "rule") ? jstr(p, "rule") : "");
	cJSON_AddItemToObject(e, "suggestions", suggestion_array(denied));
	return e;
}

/* Output as valid UTF-8: invalid bytes and NUL become U+FFFD. */
char *exec_json_utf8_clean(const char *s, size_t n)
{
	char *out = malloc(n * 3 + 1), *w = out;

	for (size_t i = 0; out && i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		bool ok = len > 0 && c != 0 && i + len <= n && !(len == 2 && c < 0xc2);

		for (size_t k = 1; ok && k < len; k++)
			ok = ((unsigned char)s[i + k] >> 6) == 2;
		if (ok) {
			memcpy(w, s + i, len);
			w += len;
			i += len;
		} else {
			memcpy(w, "\xef\xbf\xbd", 3);
			w += 3;
			i++;
		}
	}
	if (out)
		*w = '\0';
	return out;
}

static void add_output(cJSON *res, const char *name, const char *buf, size_t len, bool trunc,
		       size_t total)
{
	char *clean = exec_json_utf8_clean(buf ? buf : "", buf ? len : 0);
	char key[40];

	cJSON_AddStringToObject(res, name, clean ? clean : "");
	free(clean);
	snprintf(key, sizeof(key), "%s_truncated", name);
	cJSON_AddBoolToObject(res, key, trunc);
	snprintf(key, sizeof(key), "%s_total_bytes", name);
	cJSON_AddNumberToObject(res, key, (double)total);
}

static cJSON *result_build(const struct exec_outcome *o, const cJSON *denied)
{
	cJSON *res = cJSON_CreateObject();

	cJSON_AddNumberToObject(res, "exit_code", o->exit_code);
	add_output(res, "stdout", o->out, o->out_len, o->out_trunc, o->out_total);
	add_output(res, "stderr", o->err, o->err_len, o->err_trunc, o->err_total);
	cJSON_AddNumberToObject(res, "duration_ms", (double)o->duration_ms);
	if (denied || o->exit_code != 0 || o->tracer_failed)
		cJSON_AddItemToObject(res, "error", error_build(o, denied));
	return res;
}

static cJSON *resources_build(const struct rusage *ru)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddNumberToObject(r, "cpu_user_ms",
				(double)ru->ru_utime.tv_sec * 1000 + ru->ru_utime.tv_usec / 1000);
	cJSON_AddNumberToObject(r, "cpu_system_ms",
				(double)ru->ru_stime.tv_sec * 1000 + ru->ru_stime.tv_usec / 1000);
	cJSON_AddNumberToObject(r, "memory_peak_kb", (double)ru->ru_maxrss);
	return r;
}

static cJSON *request_copy(const cJSON *req)
{
	cJSON *c = cJSON_Duplicate(req, 1);
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(req, "stdin");

	if (cJSON_IsString(in)) {
		cJSON_DeleteItemFromObjectCaseSensitive(c, "stdin");
		cJSON_AddNumberToObject(c, "stdin_bytes", (double)strlen(in->valuestring));
	}
	return c;
}

cJSON *exec_json_build(const struct exec_outcome *o, int *http_status)
{
	const cJSON *denied = o->exit_code == 126 ? first_blocked(o->events, true) : NULL;
	const cJSON *blocked = denied ? denied : first_blocked(o->events, false);
	cJSON *j = cJSON_CreateObject();
	char ts[40];

	srv_iso8601(o->start_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(j, "command_id", o->command_id);
	cJSON_AddStringToObject(j, "session_id", o->session_id);
	cJSON_AddStringToObject(j, "timestamp", ts);
	cJSON_AddItemToObject(j, "request", request_copy(o->request));
	cJSON_AddItemToObject(j, "result", result_build(o, denied));
	if (strcmp(o->include_events, "none") != 0)
		cJSON_AddItemToObject(j, "events", events_build(o->events, o->include_events));
	cJSON_AddItemToObject(j, "resources", resources_build(&o->ru));
	cJSON_AddItemToObject(j, "guidance", guidance_build(o, blocked));
	*http_status = denied ? 403 : o->tracer_failed ? 503 : 200;
	return j;
}

/* Exit 125 means "agentsh error before CMD ran" only if CMD never ran. */
bool exec_json_tracer_error(int exit_code, const cJSON *events)
{
	return exit_code == 125 && !direct_exec_allowed(events);
}
