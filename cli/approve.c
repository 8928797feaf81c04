/* agentsh approve list | resolve ID --allow|--deny [--reason TEXT] */
#include "compat.h"
#include "cli.h"
#include "client.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <stdio.h>

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static const char *target(const cJSON *ev)
{
	static const char *const keys[] = { "path", "remote", "filename", "domain" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (*jstr(ev, keys[i]))
			return jstr(ev, keys[i]);
	return "";
}

static int list(const struct cli_globals *g, bool json)
{
	cJSON *resp = NULL, *a;
	long st = 0;

	if (client_ensure_server(g) < 0 ||
	    client_json(g, "GET", "/api/v1/approvals", NULL, &st, &resp) < 0)
		return 1;
	if (st != 200) {
		log_error("approve list: %s", jstr(resp, "error"));
		cJSON_Delete(resp);
		return 1;
	}
	if (json) {
		char *text = cJSON_Print(resp);

		printf("%s\n", text ? text : "[]");
		free(text);
	} else {
		printf("%-42s %-24s %-16s %-20s %s\n", "ID", "SESSION", "TYPE", "RULE", "TARGET");
		cJSON_ArrayForEach(a, resp)
			printf("%-42s %-24s %-16s %-20s %s\n", jstr(a, "id"), jstr(a, "session_id"),
			       jstr(a, "type"), jstr(a, "rule"),
			       target(cJSON_GetObjectItemCaseSensitive(a, "event")));
	}
	cJSON_Delete(resp);
	return 0;
}

static int resolve(const struct cli_globals *g, int argc, char **argv)
{
	const char *id = NULL, *decision = NULL, *reason = "";
	cJSON *req, *resp = NULL;
	char path[512];
	long st = 0;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--allow"))
			decision = "allow";
		else if (!strcmp(argv[i], "--deny"))
			decision = "deny";
		else if (!strcmp(argv[i], "--reason") && i + 1 < argc)
			reason = argv[++i];
		else if (argv[i][0] != '-' && !id)
			id = argv[i];
		else
			return log_error("approve resolve: unknown argument '%s'", argv[i]), 2;
	}
	if (!id || !decision)
		return log_error("usage: agentsh approve resolve ID --allow|--deny [--reason T]"), 2;
	req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "decision", decision);
	cJSON_AddStringToObject(req, "reason", reason);
	snprintf(path, sizeof(path), "/api/v1/approvals/%s", id);
	if (client_ensure_server(g) < 0 || client_json(g, "POST", path, req, &st, &resp) < 0) {
		cJSON_Delete(req);
		return 1;
	}
	cJSON_Delete(req);
	if (st != 200)
		log_error("approve resolve %s: %s", id, jstr(resp, "error"));
	else
		printf("%s %s\n", id, decision);
	cJSON_Delete(resp);
	return st == 200 ? 0 : st == 404 ? 3 : 1;
}

int cmd_approve(int argc, char **argv, const struct cli_globals *g)
{
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return list(g, argc > 2 && !strcmp(argv[2], "--json"));
	if (argc >= 2 && !strcmp(argv[1], "resolve"))
		return resolve(g, argc, argv);
	fprintf(argc >= 2 && !strcmp(argv[1], "--help") ? stdout : stderr,
		"usage: agentsh approve list [--json]\n"
		"       agentsh approve resolve ID --allow|--deny [--reason TEXT]\n");
	return argc >= 2 && !strcmp(argv[1], "--help") ? 0 : 2;
}
