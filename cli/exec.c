/* agentsh exec [SID] -- CMD: run a command in a session through the server. */
#include "compat.h"
#include "cli.h"
#include "client.h"
#include "log.h"
#include "server/ws.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

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

static void print_blocked(const struct exec_opts *o, const cJSON *gd)
{
	if (strcmp(o->output, "shell") == 0 &&
	    cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(gd, "blocked")))
		fprintf(stderr, "agentsh: blocked: %s%s%s%s\n", jstr(gd, "reason"),
			*jstr(gd, "policy_rule") ? " (rule " : "", jstr(gd, "policy_rule"),
			*jstr(gd, "policy_rule") ? ")" : "");
}

static int exit_status(const cJSON *code)
{
	return code->valueint < 0 ? 1 : code->valueint > 255 ? 255 : code->valueint;
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
	print_blocked(o, gd);
	return exit_status(code);
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

/* --pty: the command on a terminal over GET /pty (a WebSocket). */
struct pty_client {
	const struct exec_opts *o;
	int sock, exit_code;
	struct ws_reader rd;
	bool stdin_open, tty, closed, got_exit;
	struct termios saved;
};

static volatile sig_atomic_t winch;

static void on_winch(int sig)
{
	winch = 1;
}

static void term_size(struct winsize *ws)
{
	const char *l = getenv("LINES"), *c = getenv("COLUMNS");

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, ws) == 0 && ws->ws_row && ws->ws_col)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, ws) == 0 && ws->ws_row && ws->ws_col)
		return;
	ws->ws_row = l && atoi(l) > 0 ? (unsigned short)atoi(l) : 24;
	ws->ws_col = c && atoi(c) > 0 ? (unsigned short)atoi(c) : 80;
}

static int send_json(struct pty_client *pc, cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);
	int r = text ? ws_send(pc->sock, WS_TEXT, text, strlen(text), true, 5000) : -ENOMEM;

	cJSON_Delete(j);
	free(text);
	return r;
}

static int send_start(struct pty_client *pc, const cJSON *req)
{
	cJSON *j = cJSON_Duplicate(req, 1);
	struct winsize ws = { 0 };

	term_size(&ws);
	cJSON_AddStringToObject(j, "type", "start");
	cJSON_AddNumberToObject(j, "rows", ws.ws_row);
	cJSON_AddNumberToObject(j, "cols", ws.ws_col);
	return send_json(pc, j);
}

static void send_resize(struct pty_client *pc)
{
	cJSON *j = cJSON_CreateObject();
	struct winsize ws = { 0 };

	winch = 0;
	term_size(&ws);
	cJSON_AddStringToObject(j, "type", "resize");
	cJSON_AddNumberToObject(j, "rows", ws.ws_row);
	cJSON_AddNumberToObject(j, "cols", ws.ws_col);
	send_json(pc, j);
}

static void on_text(struct pty_client *pc, const char *text)
{
	cJSON *j = cJSON_Parse(text);
	const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "type"));

	if (type && strcmp(type, "exit") == 0 &&
	    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(j, "exit_code"))) {
		if (strcmp(pc->o->output, "json") == 0) {
			char *t = cJSON_PrintUnformatted(j);

			printf("%s\n", t ? t : "{}");
			fflush(stdout);
			free(t);
		}
		print_blocked(pc->o, cJSON_GetObjectItemCaseSensitive(j, "guidance"));
		pc->exit_code = exit_status(cJSON_GetObjectItemCaseSensitive(j, "exit_code"));
		pc->got_exit = true;
	} else if (type && strcmp(type, "error") == 0) {
		fprintf(stderr, "agentsh: %s\r\n", jstr(j, "message"));
	}
	cJSON_Delete(j);
}

/* Socket input: 0 to go on, <0 when the connection is over. */
static int from_server(struct pty_client *pc)
{
	char buf[65536];
	ssize_t n = recv(pc->sock, buf, sizeof(buf), 0);
	struct ws_message m;
	uint16_t code;
	int k;

	if (n < 0 && errno == EINTR)
		return 0;
	if (n <= 0 || ws_reader_feed(&pc->rd, buf, (size_t)n) < 0)
		return -ECONNRESET;
	while ((k = ws_reader_next(&pc->rd, &m, &code)) > 0) {
		if (m.opcode == WS_BINARY && write(STDOUT_FILENO, m.payload, m.len) < 0)
			k = -EIO;
		else if (m.opcode == WS_TEXT)
			on_text(pc, (const char *)m.payload);
		else if (m.opcode == WS_PING)
			ws_send(pc->sock, WS_PONG, m.payload, m.len, true, 1000);
		else if (m.opcode == WS_CLOSE)
			pc->closed = true;
		free(m.payload);
		if (pc->closed) {
			ws_send_close(pc->sock, WS_CLOSE_NORMAL, "", true);
			return -ECONNRESET;
		}
	}
	if (k < 0)
		ws_send_close(pc->sock, code, "protocol error", true);
	return k < 0 ? k : 0;
}

/* Keyboard or piped input. At EOF of a non-terminal stdin the remote terminal gets ^D. */
static void from_stdin(struct pty_client *pc)
{
	char buf[16384];
	ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));

	if (n < 0 && errno == EINTR)
		return;
	if (n <= 0) {
		pc->stdin_open = false;
		if (!pc->tty)
			ws_send(pc->sock, WS_BINARY, "\x04", 1, true, 5000);
		return;
	}
	ws_send(pc->sock, WS_BINARY, buf, (size_t)n, true, 5000);
}

static void pty_loop(struct pty_client *pc)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = pc->sock, .events = POLLIN },
				       { .fd = pc->stdin_open ? STDIN_FILENO : -1, .events = POLLIN } };

		if (winch)
			send_resize(pc);
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[0].revents && from_server(pc) < 0)
			break;
		if (p[1].revents)
			from_stdin(pc);
	}
}

static int run_pty(const struct cli_globals *g, const struct exec_opts *o, const char *sid,
		   const cJSON *req)
{
	struct pty_client pc = { .o = o, .exit_code = 125, .stdin_open = true };
	struct sigaction sa = { .sa_handler = on_winch };
	char path[512];

	snprintf(path, sizeof(path), "/api/v1/sessions/%s/pty", sid);
	pc.sock = client_ws_open(g, path, &pc.rd);
	if (pc.sock < 0)
		return 125;
	pc.tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &pc.saved) == 0;
	if (send_start(&pc, req) == 0) {
		if (pc.tty) {
			struct termios raw = pc.saved;

			cfmakeraw(&raw);
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
			sigaction(SIGWINCH, &sa, NULL);
		}
		pty_loop(&pc);
		if (pc.tty)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &pc.saved);
	}
	close(pc.sock);
	ws_reader_free(&pc.rd);
	if (!pc.got_exit)
		log_error("the terminal connection ended before the command's exit status");
	return pc.exit_code;
}

static int run(const struct cli_globals *g, const struct exec_opts *o, const char *sid,
	       cJSON *req)
{
	char path[512];
	char *body;
	struct client_resp resp;
	cJSON *j;
	int code, r;

	if (o->pty)
		return run_pty(g, o, sid, req);
	body = cJSON_PrintUnformatted(req);
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
