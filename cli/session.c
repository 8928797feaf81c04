/* agentsh session create|list|info|update|destroy|logs */
#include "compat.h"
#include "cli.h"
#include "client.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>

static void usage(FILE *out)
{
	fprintf(out, "usage: agentsh session create [--workspace DIR] [--policy NAME] [--id ID] "
		     "[--real-paths] [--json]\n"
		     "       agentsh session list [--json]\n"
		     "       agentsh session info ID\n"
		     "       agentsh session update ID [--cwd DIR] [--set-env K=V]... "
		     "[--unset-env K]...\n"
		     "       agentsh session destroy ID\n"
		     "       agentsh session logs ID [--type exec|fs|net|llm] [--json]\n");
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static void print_json(const cJSON *j)
{
	char *text = cJSON_Print(j);

	printf("%s\n", text ? text : "null");
	free(text);
}

/* Sends a request and prints the JSON answer; returns the exit status. */
static int call(const struct cli_globals *g, const char *method, const char *path,
		cJSON *body, long want, cJSON **keep)
{
	cJSON *resp = NULL;
	long st = 0;
	int r;

	if (client_ensure_server(g) < 0)
		return 1;
	r = client_json(g, method, path, body, &st, &resp);
	cJSON_Delete(body);
	if (r < 0)
		return 1;
	if (st != want) {
		log_error("%s", *jstr(resp, "error") ? jstr(resp, "error") : "request failed");
		cJSON_Delete(resp);
		return st == 404 ? 3 : 1;
	}
	if (keep)
		*keep = resp;
	else {
		print_json(resp);
		cJSON_Delete(resp);
	}
	return 0;
}

static int create(const struct cli_globals *g, int argc, char **argv)
{
	cJSON *req = cJSON_CreateObject();
	char ws[PATH_MAX];
	bool have_ws = false;

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--json"))
			continue; /* the output is always JSON */
		if (!strcmp(argv[i], "--real-paths")) {
			cJSON_AddBoolToObject(req, "real_paths", true);
			continue;
		}
		if (!v || (strcmp(argv[i], "--workspace") && strcmp(argv[i], "--policy") &&
			   strcmp(argv[i], "--id"))) {
			log_error("session create: unknown or incomplete argument '%s'", argv[i]);
			cJSON_Delete(req);
			return 2;
		}
		if (!strcmp(argv[i], "--workspace")) {
			if (!realpath(v, ws)) {
				log_error("workspace '%s' does not exist", v);
				cJSON_Delete(req);
				return 2;
			}
			v = ws;
			have_ws = true;
		}
		cJSON_AddStringToObject(req, argv[i] + 2, v);
		i++;
	}
	if (!have_ws)
		cJSON_AddStringToObject(req, "workspace", getcwd(ws, sizeof(ws)) ? ws : ".");
	return call(g, "POST", "/api/v1/sessions", req, 201, NULL);
}

static int list(const struct cli_globals *g, int argc, char **argv)
{
	bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
	cJSON *resp = NULL, *s;
	int r = call(g, "GET", "/api/v1/sessions", NULL, 200, &resp);

	if (r)
		return r;
	if (json) {
		print_json(resp);
	} else {
		printf("%-40s %-8s %-12s %-24s %s\n", "ID", "STATE", "POLICY", "CREATED",
		       "WORKSPACE");
		cJSON_ArrayForEach(s, resp)
			printf("%-40s %-8s %-12s %-24s %s\n", jstr(s, "id"), jstr(s, "state"),
			       jstr(s, "policy"), jstr(s, "created_at"), jstr(s, "workspace"));
	}
	cJSON_Delete(resp);
	return 0;
}

static int update(const struct cli_globals *g, int argc, char **argv, const char *path)
{
	cJSON *req = cJSON_CreateObject(), *set = cJSON_AddObjectToObject(req, "set_env");
	cJSON *unset = cJSON_AddArrayToObject(req, "unset_env");

	for (int i = 3; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		const char *eq = v ? strchr(v, '=') : NULL;

		if (v && !strcmp(argv[i], "--cwd")) {
			cJSON_AddStringToObject(req, "cwd", v);
		} else if (v && eq && !strcmp(argv[i], "--set-env")) {
			char key[256];

			snprintf(key, sizeof(key), "%.*s", (int)(eq - v), v);
			cJSON_AddStringToObject(set, key, eq + 1);
		} else if (v && !strcmp(argv[i], "--unset-env")) {
			cJSON_AddItemToArray(unset, cJSON_CreateString(v));
		} else {
			log_error("session update: unknown or incomplete argument '%s'", argv[i]);
			cJSON_Delete(req);
			return 2;
		}
		i++;
	}
	return call(g, "PATCH", path, req, 200, NULL);
}

static const struct {
	const char *kind, *types;
} log_kinds[] = {
	{ "exec", " ptrace_execve command_started command_finished " },
	{ "fs", " ptrace_file file " },
	{ "net", " ptrace_network ptrace_unix dns_redirect net " },
	{ "llm", " llm_request llm_response " },
};

static bool type_matches(const char *kind, const char *type)
{
	char needle[128];

	if (!kind)
		return true;
	snprintf(needle, sizeof(needle), " %s ", type);
	for (size_t i = 0; i < ARRAY_SIZE(log_kinds); i++)
		if (!strcmp(kind, log_kinds[i].kind))
			return strstr(log_kinds[i].types, needle) != NULL;
	return false;
}

static const char *event_target(const cJSON *ev)
{
	static const char *const keys[] = { "path", "remote", "filename", "domain" };
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(ev, "fields");

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (*jstr(ev, keys[i]))
			return jstr(ev, keys[i]);
	return jstr(f, "command");
}

static void print_event(const cJSON *ev)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "policy");
	const char *d = jstr(p, "effective_decision");

	printf("%s %-16s %-6s %-8s %-24s %s\n", jstr(ev, "timestamp"), jstr(ev, "type"),
	       *jstr(ev, "operation") ? jstr(ev, "operation") : "-", *d ? d : "-",
	       *jstr(p, "rule") ? jstr(p, "rule") : "-", event_target(ev));
}

static int logs(const struct cli_globals *g, int argc, char **argv, const char *path)
{
	const char *kind = NULL;
	bool json = false;
	cJSON *resp = NULL, *out = cJSON_CreateArray(), *ev;
	char hist[600];
	int r;

	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--type") && i + 1 < argc)
			kind = argv[++i];
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return log_error("session logs: unknown argument '%s'", argv[i]), 2;
	}
	if (kind && strcmp(kind, "exec") && strcmp(kind, "fs") &&
	    strcmp(kind, "net") && strcmp(kind, "llm"))
		return log_error("--type must be exec, fs, net or llm"), 2;
	snprintf(hist, sizeof(hist), "%s/history", path);
	r = call(g, "GET", hist, NULL, 200, &resp);
	if (r)
		return cJSON_Delete(out), r;
	cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(resp, "events"))
		if (type_matches(kind, jstr(ev, "type"))) {
			if (json)
				cJSON_AddItemToArray(out, cJSON_Duplicate(ev, 1));
			else
				print_event(ev);
		}
	if (json)
		print_json(out);
	cJSON_Delete(out);
	cJSON_Delete(resp);
	return 0;
}

int cmd_session(int argc, char **argv, const struct cli_globals *g)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	char path[512];

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
		usage(sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	if (!strcmp(sub, "create"))
		return create(g, argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return list(g, argc - 1, argv + 1);
	if (argc < 3) {
		usage(stderr);
		return 2;
	}
	snprintf(path, sizeof(path), "/api/v1/sessions/%s", argv[2]);
	if (!strcmp(sub, "info"))
		return call(g, "GET", path, NULL, 200, NULL);
	if (!strcmp(sub, "destroy"))
		return call(g, "DELETE", path, NULL, 200, NULL);
	if (!strcmp(sub, "update"))
		return update(g, argc, argv, path);
	if (!strcmp(sub, "logs"))
		return logs(g, argc, argv, path);
	log_error("session: unknown subcommand '%s'", sub);
	usage(stderr);
	return 2;
}
