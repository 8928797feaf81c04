#include "compat.h"
#include "report_events.h"
#include "log.h"

#include <stdio.h>

/* Event type prefixes -> category; first match wins. */
static const struct {
	const char *prefix;
	enum report_cat cat;
} type_cats[] = {
    {"ptrace_execve", REPORT_CAT_EXEC},
    {"ptrace_file", REPORT_CAT_FILE},
    {"ptrace_network", REPORT_CAT_NET},
    {"ptrace_unix", REPORT_CAT_UNIX},
    {"ptrace_signal", REPORT_CAT_SIGNAL},
    {"ptrace_process", REPORT_CAT_PROCESS},
    {"ptrace_approval", REPORT_CAT_APPROVAL},
    {"approval", REPORT_CAT_APPROVAL},
    {"dns_", REPORT_CAT_NET},
    {"net_", REPORT_CAT_NET},
    {"connect", REPORT_CAT_NET},
    {"file_", REPORT_CAT_FILE},
    {"unix_", REPORT_CAT_UNIX},
    {"signal", REPORT_CAT_SIGNAL},
    {"command_started", REPORT_CAT_SUBMIT},
    {"command_finished", REPORT_CAT_SUBMIT},
    {"exec", REPORT_CAT_EXEC},
    {"command", REPORT_CAT_EXEC},
    {"process", REPORT_CAT_PROCESS},
};

static const char *const cat_names[REPORT_CAT_COUNT] = {
    [REPORT_CAT_EXEC] = "commands",	 [REPORT_CAT_FILE] = "files",
    [REPORT_CAT_NET] = "network",	 [REPORT_CAT_UNIX] = "unix sockets",
    [REPORT_CAT_SIGNAL] = "signals",	 [REPORT_CAT_PROCESS] = "process",
    [REPORT_CAT_APPROVAL] = "approvals", [REPORT_CAT_SUBMIT] = "submitted",
    [REPORT_CAT_OTHER] = "other",
};

const char *report_cat_name(enum report_cat c)
{
	return c < REPORT_CAT_COUNT ? cat_names[c] : "other";
}

enum report_cat report_ev_category(const cJSON *ev)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ev, "type");

	if (!cJSON_IsString(t))
		return REPORT_CAT_OTHER;
	for (size_t i = 0; i < ARRAY_SIZE(type_cats); i++)
		if (strncmp(t->valuestring, type_cats[i].prefix, strlen(type_cats[i].prefix)) == 0)
			return type_cats[i].cat;
	return REPORT_CAT_OTHER;
}

static const cJSON *ev_item(const cJSON *ev, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, key);
	const cJSON *f;

	if (v && !cJSON_IsNull(v))
		return v;
	f = cJSON_GetObjectItemCaseSensitive(ev, "fields");
	return cJSON_IsObject(f) ? cJSON_GetObjectItemCaseSensitive(f, key) : NULL;
}

const char *report_ev_str(const cJSON *ev, const char *key)
{
	const cJSON *v = ev_item(ev, key);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

long report_ev_num(const cJSON *ev, const char *key, long def)
{
	const cJSON *v = ev_item(ev, key);
	char *end;
	long n;

	if (cJSON_IsNumber(v))
		return (long)v->valuedouble;
	if (!cJSON_IsString(v))
		return def;
	n = strtol(v->valuestring, &end, 10);
	return end != v->valuestring && *end == '\0' ? n : def;
}

static const char *policy_str(const cJSON *ev, const char *key)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "policy");
	const cJSON *v = cJSON_IsObject(p) ? cJSON_GetObjectItemCaseSensitive(p, key) : NULL;

	if (cJSON_IsString(v) && v->valuestring[0])
		return v->valuestring;
	return report_ev_str(ev, key);
}

const char *report_ev_decision(const cJSON *ev)
{
	const char *d = policy_str(ev, "decision");

	return d ? d : "allow";
}

const char *report_ev_effective(const cJSON *ev)
{
	const char *d = policy_str(ev, "effective_decision");

	return d ? d : report_ev_decision(ev);
}

const char *report_ev_rule(const cJSON *ev)
{
	const char *r = policy_str(ev, "rule");

	return r ? r : "";
}

const char *report_ev_message(const cJSON *ev)
{
	const char *m = policy_str(ev, "message");

	return m ? m : "";
}

bool report_ev_blocked(const cJSON *ev)
{
	return strcmp(report_ev_effective(ev), "deny") == 0;
}

const char *report_basename(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;

	return s ? s + 1 : path;
}

/* Splits "1.2.3.4:80" or "[::1]:80" into address and port. */
static void split_remote(const char *remote, char *ip, size_t iplen, long *port)
{
	const char *colon = strrchr(remote, ':');
	size_t n;

	if (remote[0] == '[' && strchr(remote, ']')) {
		n = (size_t)(strchr(remote, ']') - remote - 1);
		snprintf(ip, iplen, "%.*s", (int)n, remote + 1);
	} else if (colon && strchr(remote, ':') == colon) {
		snprintf(ip, iplen, "%.*s", (int)(colon - remote), remote);
	} else {
		snprintf(ip, iplen, "%s", remote);
		colon = NULL;
	}
	if (colon && *port <= 0)
		*port = strtol(colon + 1, NULL, 10);
}

int report_ev_remote(const cJSON *ev, char *host, size_t hostlen, char *ip, size_t iplen,
		     long *port)
{
	const char *addr = report_ev_str(ev, "address");
	const char *remote = report_ev_str(ev, "remote");
	const char *domain = report_ev_str(ev, "domain");
	char tmp[64];

	*port = report_ev_num(ev, "port", 0);
	ip[0] = '\0';
	if (addr)
		snprintf(ip, iplen, "%s", addr);
	if (remote)
		split_remote(remote, addr ? tmp : ip, addr ? sizeof(tmp) : iplen, port);
	snprintf(host, hostlen, "%s", domain ? domain : ip);
	return host[0] ? 0 : -ENOENT;
}

int report_ev_argv_join(const cJSON *ev, int from, char *buf, size_t len)
{
	const cJSON *argv = ev_item(ev, "argv");
	const cJSON *a;
	size_t off = 0;
	int i = 0;

	if (len)
		buf[0] = '\0';
	cJSON_ArrayForEach(a, argv)
	{
		if (i++ < from || !cJSON_IsString(a) || off + 1 >= len)
			continue;
		off +=
		    (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "", a->valuestring);
		if (off >= len)
			off = len - 1;
	}
	return i;
}

const char *report_ev_program(const cJSON *ev)
{
	const char *f = report_ev_str(ev, "filename");
	const cJSON *argv = ev_item(ev, "argv");
	const cJSON *a0 = cJSON_IsArray(argv) ? cJSON_GetArrayItem(argv, 0) : NULL;

	if (f)
		return f;
	if (cJSON_IsString(a0) && a0->valuestring[0])
		return a0->valuestring;
	f = report_ev_str(ev, "command");
	return f ? f : report_ev_str(ev, "path");
}

/* "run make -j2" / "exit 2: make -j2" for the server's command lifecycle events. */
static void describe_submit(const cJSON *ev, char *buf, size_t len)
{
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(ev, "fields");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(f, "args"), *a;
	const char *t = report_ev_str(ev, "type");
	size_t off;

	if (t && strcmp(t, "command_finished") == 0)
		off = (size_t)snprintf(buf, len, "exit %ld: ", report_ev_num(ev, "exit_code", -1));
	else
		off = (size_t)snprintf(buf, len, "run ");
	if (off < len)
		off += (size_t)snprintf(buf + off, len - off, "%s",
					report_ev_str(ev, "command") ?: "?");
	cJSON_ArrayForEach(a, args)
	{
		if (off < len && cJSON_IsString(a))
			off += (size_t)snprintf(buf + off, len - off, " %s", a->valuestring);
	}
}

void report_ev_describe(const cJSON *ev, char *buf, size_t len)
{
	const char *op = report_ev_str(ev, "operation");
	char host[256], ip[64], args[512];
	long port;

	switch (report_ev_category(ev)) {
	case REPORT_CAT_EXEC:
		report_ev_argv_join(ev, 0, args, sizeof(args));
		snprintf(buf, len, "exec %s", args[0] ? args : report_ev_program(ev) ?: "?");
		return;
	case REPORT_CAT_NET:
		if (report_ev_remote(ev, host, sizeof(host), ip, sizeof(ip), &port) < 0)
			snprintf(host, sizeof(host), "?");
		snprintf(buf, len, "%s %s%s%s:%ld", op ? op : "connect", host,
			 ip[0] && strcmp(ip, host) ? " " : "", ip[0] && strcmp(ip, host) ? ip : "",
			 port);
		return;
	case REPORT_CAT_SUBMIT:
		describe_submit(ev, buf, len);
		return;
	case REPORT_CAT_SIGNAL:
		snprintf(args, sizeof(args), "%ld", report_ev_num(ev, "signal", 0));
		snprintf(buf, len, "signal %s to pid %ld%s%s%s",
			 report_ev_str(ev, "signal") ?: args, report_ev_num(ev, "target_pid", 0),
			 report_ev_str(ev, "target_relation") ? " (" : "",
			 report_ev_str(ev, "target_relation") ?: "",
			 report_ev_str(ev, "target_relation") ? ")" : "");
		return;
	default:
		snprintf(buf, len, "%s %s", op ? op : report_ev_str(ev, "type") ?: "event",
			 report_ev_str(ev, "path") ?: report_ev_str(ev, "syscall") ?: "");
	}
}

static cJSON *parse_lines(const char *text)
{
	cJSON *arr = cJSON_CreateArray();
	const char *p = text;

	while (arr && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		cJSON *ev = n ? cJSON_ParseWithLength(p, n) : NULL;

		if (ev && cJSON_IsObject(ev))
			cJSON_AddItemToArray(arr, ev);
		else
			cJSON_Delete(ev);
		p += n + (nl ? 1 : 0);
	}
	return arr;
}

/* The member of a wrapper object that holds the events array. */
static cJSON *unwrap_events(cJSON *root)
{
	static const char *const keys[] = {"events", "history", "items", "data", "results"};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		cJSON *a = cJSON_DetachItemFromObjectCaseSensitive(root, keys[i]);

		if (cJSON_IsArray(a)) {
			cJSON_Delete(root);
			return a;
		}
		cJSON_Delete(a);
	}
	cJSON_Delete(root);
	return NULL;
}

cJSON *report_events_parse(const char *text)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithOpts(text, &end, 0);

	if (root && cJSON_IsArray(root)) {
		while (end && (*end == ' ' || *end == '\n' || *end == '\r' || *end == '\t'))
			end++;
		if (!end || !*end)
			return root;
	}
	if (root && cJSON_IsObject(root) && !cJSON_GetObjectItemCaseSensitive(root, "type")) {
		cJSON *a = unwrap_events(root);

		if (a)
			return a;
		root = NULL;
	}
	cJSON_Delete(root);
	return parse_lines(text);
}

static char *read_stream(FILE *f)
{
	size_t cap = 65536, len = 0, n;
	char *buf = malloc(cap);

	while (buf && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap * 2);

			if (!nb) {
				free(buf);
				return NULL;
			}
			buf = nb;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

cJSON *report_events_load_file(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	cJSON *arr;
	char *text;

	if (!f) {
		log_errno(-errno, "cannot open events file '%s'", path);
		return NULL;
	}
	text = read_stream(f);
	if (f != stdin)
		fclose(f);
	if (!text) {
		log_error("cannot read events file '%s'", path);
		return NULL;
	}
	arr = report_events_parse(text);
	free(text);
	return arr;
}
