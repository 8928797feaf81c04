/* agentsh exec [SID] -- CMD: run a command in a session through the server. */
#include "compat.h"
#include "cli.h"
#include "client.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>

struct exec_opts {
	const char *sid, *timeout, *json, *argv0, *output, *events, *root;
	bool stream, pty, real_paths;
	char **cmd;
	int ncmd;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: agentsh exec [SID] [--timeout D] [--json REQ] [--stream] [--pty]\n"
		     "                    [--argv0 NAME] [--real-paths] [--output shell|json]\n"
		     "                    [--events all|summary|blocked|none] -- CMD [ARGS...]\n");
}

static int parse(int argc, char **argv, struct exec_opts *o)
{
	static const struct {
		const char *flag;
		size_t off;
	} valued[] = {
		{ "--timeout", offsetof(struct exec_opts, timeout) },
		{ "--json", offsetof(struct exec_opts, json) },
		{ "--argv0", offsetof(struct exec_opts, argv0) },
		{ "--output", offsetof(struct exec_opts, output) },
		{ "--events", offsetof(struct exec_opts, events) },
		{ "--root", offsetof(struct exec_opts, root) },
	};
	int i;

	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		size_t k;

		for (k = 0; k < ARRAY_SIZE(valued); k++)
			if (strcmp(argv[i], valued[k].flag) == 0)
				break;
		if (k < ARRAY_SIZE(valued)) {
			if (i + 1 >= argc)
				return log_error("%s needs a value", argv[i]), -EINVAL;
			*(const char **)((char *)o + valued[k].off) = argv[++i];
		} else if (strcmp(argv[i], "--stream") == 0) {
			o->stream = true;
		} else if (strcmp(argv[i], "--pty") == 0) {
			o->pty = true;
		} else if (strcmp(argv[i], "--real-paths") == 0) {
			o->real_paths = true;
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			exit(0);
		} else if (argv[i][0] != '-' && !o->sid) {
			o->sid = argv[i];
		} else {
			return log_error("exec: unknown argument '%s'", argv[i]), -EINVAL;
		}
	}
	o->cmd = i < argc ? argv + i + 1 : NULL;
	o->ncmd = i < argc ? argc - i - 1 : 0;
	return 0;
}

static int defaults(struct exec_opts *o)
{
	if (!o->sid)
		o->sid = getenv("AGENTSH_SESSION_ID");
	if (o->sid && !*o->sid)
		o->sid = NULL;
	if (!o->output)
		o->output = getenv("AGENTSH_OUTPUT");
	if (!o->output || !*o->output)
		o->output = "shell";
	if (strcmp(o->output, "shell") && strcmp(o->output, "json"))
		return log_error("--output must be shell or json"), -EINVAL;
	if (!o->events)
		o->events = getenv("AGENTSH_EVENTS");
	if (!o->events || !*o->events)
		o->events = strcmp(o->output, "json") == 0 ? "summary" : "none";
	if (o->pty) {
		log_warn("--pty is not available over HTTP in this build; streaming instead");
		o->stream = true;
	}
	if (o->root)
		log_warn("--root is ignored by the server transport");
	if (o->ncmd == 0 && !o->json)
		return log_error("exec: no command (agentsh exec [SID] -- CMD ARGS...)"), -EINVAL;
	return 0;
}

/* Creates the session when it does not exist (or a new one when no SID was given). */
static int ensure_session(const struct cli_globals *g, struct exec_opts *o, char *sid,
			  size_t len)
{
	char path[512], cwd[PATH_MAX];
	cJSON *req, *resp = NULL;
	long st = 0;
	int r;

	if (o->sid) {
		snprintf(path, sizeof(path), "/api/v1/sessions/%s", o->sid);
		r = client_json(g, "GET", path, NULL, &st, &resp);
		cJSON_Delete(resp);
		if (r < 0)
			return r;
		snprintf(sid, len, "%s", o->sid);
		if (st == 200)
			return 0;
	}
	req = cJSON_CreateObject();
	if (o->sid)
		cJSON_AddStringToObject(req, "id", o->sid);
	cJSON_AddStringToObject(req, "workspace", getcwd(cwd, sizeof(cwd)) ? cwd : ".");
	if (o->real_paths)
		cJSON_AddBoolToObject(req, "real_paths", true);
	r = client_json(g, "POST", "/api/v1/sessions", req, &st, &resp);
	cJSON_Delete(req);
	if (r == 0 && st != 201 && st != 409) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(resp, "error");

		log_error("cannot create session: %s", cJSON_IsString(e) ? e->valuestring : "?");
		r = -EIO;
	} else if (r == 0 && !o->sid) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(resp, "id");

		snprintf(sid, len, "%s", cJSON_IsString(id) ? id->valuestring : "");
		log_info("created session %s", sid);
	}
	cJSON_Delete(resp);
	return r;
}

static cJSON *build_request(const struct exec_opts *o)
{
	cJSON *req = o->json ? cJSON_Parse(o->json) : cJSON_CreateObject();
	cJSON *args;

	if (!cJSON_IsObject(req)) {
		cJSON_Delete(req);
		log_error("--json: not a JSON object");
		return NULL;
	}
	if (o->ncmd > 0) {
		cJSON_DeleteItemFromObjectCaseSensitive(req, "command");
		cJSON_DeleteItemFromObjectCaseSensitive(req, "args");
		cJSON_AddStringToObject(req, "command", o->cmd[0]);
		args = cJSON_AddArrayToObject(req, "args");
		for (int i = 1; i < o->ncmd; i++)
			cJSON_AddItemToArray(args, cJSON_CreateString(o->cmd[i]));
	}
	if (o->timeout) {
		cJSON_DeleteItemFromObjectCaseSensitive(req, "timeout");
		cJSON_AddStringToObject(req, "timeout", o->timeout);
	}
	if (o->argv0)
		cJSON_AddStringToObject(req, "argv0", o->argv0);
	if (!cJSON_GetObjectItemCaseSensitive(req, "include_events"))
		cJSON_AddStringToObject(req, "include_events", o->events);
	return req;
}

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* Prints the exec JSON (json mode) or its output and a blocked line (shell mode);
 * returns the command's exit code. */
static int report(const struct exec_opts *o, const cJSON *resp, bool output_done)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");
	const cJSON *gd = cJSON_GetObjectItemCaseSensitive(resp, "guidance");
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(res, "exit_code");

	if (!cJSON_IsNumber(code)) {
		const char *e = jstr(resp, "error");

		log_error("exec failed: %s", *e ? e : "unexpected answer from the server");
		return 125;
	}
	if (strcmp(o->output, "json") == 0) {
		char *text = cJSON_Print(resp);

		printf("%s\n", text ? text : "{}");
		free(text);
	} else if (!output_done) {
		fputs(jstr(res, "stdout"), stdout);
		fflush(stdout);
		fputs(jstr(res, "stderr"), stderr);
	}
	if (strcmp(o->output, "shell") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(gd, "blocked")))
		fprintf(stderr, "agentsh: blocked: %s%s%s%s\n", jstr(gd, "reason"),
			*jstr(gd, "policy_rule") ? " (rule " : "", jstr(gd, "policy_rule"),
			*jstr(gd, "policy_rule") ? ")" : "");
	return code->valueint < 0 ? 1 : code->valueint > 255 ? 255 : code->valueint;
}

struct stream_ctx {
	const struct exec_opts *o;
	int exit_code;
	bool done;
};

static int on_sse(const char *event, const char *data, void *ctx)
{
	struct stream_ctx *sc = ctx;
	cJSON *d = cJSON_Parse(data);
	bool shell = strcmp(sc->o->output, "shell") == 0;

	if (strcmp(event, "stdout") == 0 && shell) {
		fputs(jstr(d, "data"), stdout);
		fflush(stdout);
	} else if (strcmp(event, "stderr") == 0 && shell) {
		fputs(jstr(d, "data"), stderr);
	} else if (strcmp(event, "done") == 0) {
		sc->exit_code = report(sc->o, d, true);
		sc->done = true;
	}
	cJSON_Delete(d);
	return 0;
}

static int run(const struct cli_globals *g, const struct exec_opts *o, const char *sid,
	       cJSON *req)
{
	char path[512];
	char *body = cJSON_PrintUnformatted(req);
	struct client_resp resp;
	cJSON *j;
	int code, r;

	snprintf(path, sizeof(path), "/api/v1/sessions/%s/exec%s", sid, o->stream ? "/stream" : "");
	if (o->stream) {
		struct stream_ctx sc = { .o = o, .exit_code = 125 };

		r = client_sse(g, path, body, on_sse, &sc);
		free(body);
		return r < 0 || !sc.done ? 125 : sc.exit_code;
	}
	r = client_request(g, "POST", path, body, &resp);
	free(body);
	if (r < 0)
		return 125;
	j = resp.body ? cJSON_Parse(resp.body) : NULL;
	code = report(o, j, false);
	cJSON_Delete(j);
	client_resp_free(&resp);
	return code;
}

int cmd_exec(int argc, char **argv, const struct cli_globals *g)
{
	struct exec_opts o = { 0 };
	struct cli_globals eg = *g;
	char sid[128] = "";
	cJSON *req;
	int code;

	if (parse(argc, argv, &o) < 0 || defaults(&o) < 0) {
		usage(stderr);
		return 2;
	}
	eg.client_timeout_ms = 0; /* a command may run longer than the client timeout */
	if (client_ensure_server(g) < 0 || ensure_session(g, &o, sid, sizeof(sid)) < 0)
		return 125;
	req = build_request(&o);
	if (!req)
		return 2;
	code = run(&eg, &o, sid, req);
	cJSON_Delete(req);
	return code;
}
