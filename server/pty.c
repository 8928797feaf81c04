/* GET /api/v1/sessions/{id}/pty: a command on a pseudo-terminal over a WebSocket.
 * Client -> server: first a text {"type":"start", command, args, argv0, working_dir, env,
 * timeout, rows, cols}; then binary frames (terminal input) and text controls
 * {"type":"resize", rows, cols} | {"type":"signal", name}. Server -> client: binary frames
 * (terminal output), text {"type":"exit", exit_code, duration_ms, command_id, ...} or
 * {"type":"error", message, code}, then a close frame. */
#include "compat.h"
#include "http.h"
#include "log.h"
#include "ws.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>

#define START_TIMEOUT_MS 10000
#define CLOSE_WAIT_MS 1000
#define SEND_TIMEOUT_MS 5000

struct pty_conn {
	struct server *srv;
	struct session *s;
	int sock;
	struct ws_reader rd;
	pthread_mutex_t lock;  /* socket writes and the flags */
	pthread_mutex_t mlock; /* master_fd, pid, command_id */
	int master_fd;
	pid_t pid;
	char command_id[SRV_ID_LEN];
	bool done, sent_close, got_close, broken;
};

static int out(struct pty_conn *c, int opcode, const void *p, size_t n)
{
	int r = -EPIPE;

	pthread_mutex_lock(&c->lock);
	if (!c->sent_close && !c->broken) {
		r = ws_send(c->sock, opcode, p, n, false, SEND_TIMEOUT_MS);
		if (opcode == WS_CLOSE)
			c->sent_close = true;
		if (r < 0)
			c->broken = true;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

static void out_json(struct pty_conn *c, cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);

	cJSON_Delete(j);
	if (text)
		out(c, WS_TEXT, text, strlen(text));
	free(text);
}

static void out_error(struct pty_conn *c, const char *code, const char *msg)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "type", "error");
	cJSON_AddStringToObject(j, "code", code);
	cJSON_AddStringToObject(j, "message", msg);
	out_json(c, j);
}

static void out_close(struct pty_conn *c, uint16_t code, const char *reason)
{
	uint8_t p[64];
	size_t n = strnlen(reason, sizeof(p) - 2);

	p[0] = (uint8_t)(code >> 8), p[1] = (uint8_t)code;
	memcpy(p + 2, reason, n);
	out(c, WS_CLOSE, p, n + 2);
}

/* Stops the command when the client goes away or breaks the protocol. */
static void abandon(struct pty_conn *c)
{
	char id[SRV_ID_LEN];

	pthread_mutex_lock(&c->mlock);
	snprintf(id, sizeof(id), "%s", c->command_id);
	pthread_mutex_unlock(&c->mlock);
	if (id[0])
		exec_kill(c->srv, c->s->id, id);
}

static void on_output(void *ctx, const char *stream, const char *buf, size_t len)
{
	struct pty_conn *c = ctx;

	if (out(c, WS_BINARY, buf, len) < 0)
		abandon(c);
}

static void on_started(void *ctx, const char *command_id, pid_t pid, int master_fd)
{
	struct pty_conn *c = ctx;

	pthread_mutex_lock(&c->mlock);
	c->master_fd = master_fd;
	c->pid = pid;
	snprintf(c->command_id, sizeof(c->command_id), "%s", command_id);
	pthread_mutex_unlock(&c->mlock);
}

static void write_input(struct pty_conn *c, const uint8_t *p, size_t n)
{
	pthread_mutex_lock(&c->mlock);
	while (c->master_fd >= 0 && n) {
		ssize_t w = write(c->master_fd, p, n);

		if (w > 0) {
			p += w, n -= (size_t)w;
		} else if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = c->master_fd, .events = POLLOUT };

			if (poll(&pfd, 1, 1000) <= 0)
				break; /* the command does not read its terminal: input is dropped */
		} else if (!(w < 0 && errno == EINTR)) {
			break;
		}
	}
	pthread_mutex_unlock(&c->mlock);
}

static int winsize_from(const cJSON *j, struct winsize *ws)
{
	const cJSON *rows = cJSON_GetObjectItemCaseSensitive(j, "rows");
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(j, "cols");

	if ((rows && !cJSON_IsNumber(rows)) || (cols && !cJSON_IsNumber(cols)))
		return -EINVAL;
	if ((rows && (rows->valuedouble < 0 || rows->valuedouble > 10000)) ||
	    (cols && (cols->valuedouble < 0 || cols->valuedouble > 10000)))
		return -EINVAL;
	if (rows && rows->valueint > 0)
		ws->ws_row = (unsigned short)rows->valueint;
	if (cols && cols->valueint > 0)
		ws->ws_col = (unsigned short)cols->valueint;
	return 0;
}

static int signal_named(const char *name)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = { { "INT", SIGINT }, { "TERM", SIGTERM }, { "HUP", SIGHUP }, { "QUIT", SIGQUIT },
		     { "KILL", SIGKILL }, { "TSTP", SIGTSTP }, { "CONT", SIGCONT }, { "WINCH", SIGWINCH } };

	if (name && strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; name && i < ARRAY_SIZE(sigs); i++)
		if (strcasecmp(name, sigs[i].name) == 0)
			return sigs[i].sig;
	return 0;
}

static void control(struct pty_conn *c, const struct ws_message *m)
{
	cJSON *j = cJSON_ParseWithLength((const char *)m->payload, m->len);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "type");
	const char *type = cJSON_IsString(t) ? t->valuestring : "";
	struct winsize ws = { 0 };
	int sig;

	if (strcmp(type, "resize") == 0 && winsize_from(j, &ws) == 0 && ws.ws_row && ws.ws_col) {
		pthread_mutex_lock(&c->mlock);
		if (c->master_fd >= 0)
			ioctl(c->master_fd, TIOCSWINSZ, &ws);
		pthread_mutex_unlock(&c->mlock);
	} else if (strcmp(type, "signal") == 0 &&
		   (sig = signal_named(cJSON_GetStringValue(
			    cJSON_GetObjectItemCaseSensitive(j, "name")))) > 0) {
		pthread_mutex_lock(&c->mlock);
		if (c->pid > 0)
			kill(-c->pid, sig);
		pthread_mutex_unlock(&c->mlock);
	} else {
		out_error(c, "E_INVALID_REQUEST",
			  "control messages are {\"type\":\"resize\",\"rows\":R,\"cols\":C} or "
			  "{\"type\":\"signal\",\"name\":\"INT\"}");
	}
	cJSON_Delete(j);
}

/* One message after the start: 0 to go on, <0 when the connection must end. */
static int on_message(struct pty_conn *c, const struct ws_message *m)
{
	switch (m->opcode) {
	case WS_BINARY:
		write_input(c, m->payload, m->len);
		return 0;
	case WS_TEXT:
		control(c, m);
		return 0;
	case WS_PING:
		out(c, WS_PONG, m->payload, m->len);
		return 0;
	case WS_CLOSE:
		c->got_close = true;
		out_close(c, WS_CLOSE_NORMAL, "");
		return -ECONNRESET;
	default:
		return 0;
	}
}

/* Reads from the socket into the reader: >0 bytes, 0 nothing yet, <0 closed/failed. */
static int pump(struct pty_conn *c, int timeout_ms)
{
	struct pollfd p = { .fd = c->sock, .events = POLLIN };
	uint8_t buf[16384];
	ssize_t n;

	if (poll(&p, 1, timeout_ms) <= 0)
		return 0;
	n = recv(c->sock, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -ECONNRESET;
	if (ws_reader_feed(&c->rd, buf, (size_t)n) < 0) {
		out_close(c, WS_CLOSE_TOO_BIG, "message too big");
		return -E2BIG;
	}
	return (int)n;
}

/* Next message, waiting up to timeout_ms: 1, 0 (timeout), <0 (closed / protocol error). */
static int next_message(struct pty_conn *c, struct ws_message *m, int timeout_ms)
{
	long long end = srv_now_ms() + timeout_ms;

	for (;;) {
		uint16_t code = 0;
		int k = ws_reader_next(&c->rd, m, &code), left;

		if (k < 0) {
			out_close(c, code, "protocol error");
			return k;
		}
		if (k > 0)
			return 1;
		left = (int)(end - srv_now_ms());
		if (left <= 0 || c->srv->stopping)
			return 0;
		k = pump(c, left < 200 ? left : 200);
		if (k < 0)
			return k;
	}
}

static void *reader_thread(void *arg)
{
	struct pty_conn *c = arg;
	long long close_deadline = 0;

	for (;;) {
		struct ws_message m;
		bool done;
		int k = next_message(c, &m, 200);

		if (k < 0) {
			pthread_mutex_lock(&c->lock);
			done = c->done;
			pthread_mutex_unlock(&c->lock);
			if (!done)
				abandon(c);
			break;
		}
		if (k > 0) {
			k = on_message(c, &m);
			free(m.payload);
			if (k < 0) {
				abandon(c);
				break;
			}
		}
		pthread_mutex_lock(&c->lock);
		done = c->done;
		pthread_mutex_unlock(&c->lock);
		if (done && !close_deadline)
			close_deadline = srv_now_ms() + CLOSE_WAIT_MS;
		if (close_deadline && srv_now_ms() >= close_deadline)
			break;
		if (c->srv->stopping)
			abandon(c);
	}
	return NULL;
}

/* The start message as an exec request (same fields and checks as POST /exec). */
static cJSON *read_start(struct pty_conn *c, struct winsize *ws)
{
	struct ws_message m = { 0 };
	const char *err = NULL;
	cJSON *j = NULL;
	const cJSON *t;
	int k = next_message(c, &m, START_TIMEOUT_MS);

	if (k <= 0)
		return NULL;
	if (m.opcode != WS_TEXT)
		err = "the first message must be a text {\"type\":\"start\",\"command\":...}";
	else if (!cJSON_IsObject(j = cJSON_ParseWithLength((const char *)m.payload, m.len)))
		err = "the start message is not a JSON object";
	else if ((t = cJSON_GetObjectItemCaseSensitive(j, "type")) &&
		 (!cJSON_IsString(t) || strcmp(t->valuestring, "start") != 0))
		err = "the first message must have type \"start\"";
	else if (winsize_from(j, ws) < 0)
		err = "rows and cols must be numbers between 1 and 10000";
	free(m.payload);
	if (err) {
		cJSON_Delete(j);
		out_error(c, "E_INVALID_REQUEST", err);
		out_close(c, WS_CLOSE_POLICY, "bad start");
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(j, "type");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "rows");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "cols");
	cJSON_DeleteItemFromObjectCaseSensitive(j, "stdin");
	if (!cJSON_GetObjectItemCaseSensitive(j, "include_events"))
		cJSON_AddStringToObject(j, "include_events", "blocked");
	return j;
}

static cJSON *exit_message(const cJSON *resp)
{
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(resp, "result");
	const cJSON *g = cJSON_GetObjectItemCaseSensitive(resp, "guidance");
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "type", "exit");
	cJSON_AddNumberToObject(j, "exit_code",
				cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(res, "exit_code")));
	cJSON_AddNumberToObject(j, "duration_ms", cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(
							  res, "duration_ms")));
	cJSON_AddStringToObject(j, "command_id", cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
							 resp, "command_id")) ?: "");
	if (res && cJSON_GetObjectItemCaseSensitive(res, "error"))
		cJSON_AddItemToObject(j, "error", cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(
								     res, "error"), 1));
	if (g)
		cJSON_AddItemToObject(j, "guidance", cJSON_Duplicate(g, 1));
	return j;
}

static void run(struct pty_conn *c, cJSON *req, const struct winsize *ws)
{
	struct exec_sink sink = { .output = on_output, .ctx = c };
	struct exec_pty pty = { .size = *ws, .started = on_started, .ctx = c };
	cJSON *resp = NULL;
	pthread_t th;
	bool threaded = pthread_create(&th, NULL, reader_thread, c) == 0;
	int status = exec_run_pty(c->srv, c->s, req, &sink, &pty, &resp);

	if (status == 200 || status == 403 || status == 503)
		out_json(c, exit_message(resp));
	else
		out_error(c, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp, "code"))
				     ?: "E_INVALID_REQUEST",
			  cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(resp, "error"))
				  ?: "cannot run the command");
	cJSON_Delete(resp);
	out_close(c, WS_CLOSE_NORMAL, "");
	pthread_mutex_lock(&c->mlock);
	c->master_fd = safe_close(c->master_fd);
	c->pid = 0;
	pthread_mutex_unlock(&c->mlock);
	pthread_mutex_lock(&c->lock);
	c->done = true;
	pthread_mutex_unlock(&c->lock);
	if (threaded)
		pthread_join(th, NULL);
}

/* Closing a socket with unread input sends RST, which can discard the close
 * frame still on its way to the client: half-close, then drain what the
 * client is still sending, for a bounded time (RFC 6455 §7.1.1). */
static void linger_drain(MHD_socket sock)
{
	char buf[16384];
	int64_t waited = 0;

	shutdown(sock, SHUT_WR);
	while (waited < 1000) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 100) <= 0) {
			waited += 100;
			continue;
		}
		n = read(sock, buf, sizeof(buf));
		if (n <= 0 && !(n < 0 && (errno == EAGAIN || errno == EINTR)))
			return;
	}
}

static void on_upgrade(void *cls, struct MHD_Connection *connection, void *con_cls,
		       const char *extra_in, size_t extra_in_size, MHD_socket sock,
		       struct MHD_UpgradeResponseHandle *urh)
{
	struct pty_conn *c = cls;
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	cJSON *req;

	c->sock = sock;
	fcntl(sock, F_SETFL, fcntl(sock, F_GETFL) | O_NONBLOCK);
	if (extra_in_size && ws_reader_feed(&c->rd, extra_in, extra_in_size) < 0)
		out_close(c, WS_CLOSE_TOO_BIG, "message too big");
	else if ((req = read_start(c, &ws))) {
		run(c, req, &ws);
		cJSON_Delete(req);
	}
	if (c->sent_close)
		linger_drain(sock);
	MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
	ws_reader_free(&c->rd);
	safe_close(c->master_fd);
	session_put(c->srv, c->s);
	pthread_mutex_destroy(&c->lock);
	pthread_mutex_destroy(&c->mlock);
	free(c);
}

static bool header_has_token(struct MHD_Connection *conn, const char *name, const char *token)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
	size_t n = strlen(token);

	for (const char *p = v; p && *p;) {
		p += strspn(p, " \t,");
		if (strncasecmp(p, token, n) == 0 && strchr(" \t,", p[n]))
			return true;
		p += strcspn(p, ",");
	}
	return false;
}

static enum MHD_Result refuse_upgrade(struct hreq *r, const char *key, char accept[29])
{
	const char *ver = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						      "Sec-WebSocket-Version");

	if (!header_has_token(r->conn, "Upgrade", "websocket") ||
	    !header_has_token(r->conn, "Connection", "upgrade"))
		return http_send_error(r->conn, 400, "E_UPGRADE_REQUIRED",
				       "websocket upgrade required (GET with Upgrade: websocket)");
	if (!ver || strcmp(ver, "13") != 0)
		return http_send_error(r->conn, 426, "E_UPGRADE_REQUIRED",
				       "Sec-WebSocket-Version must be 13");
	if (ws_accept_key(key, accept) < 0)
		return http_send_error(r->conn, 400, "E_INVALID_REQUEST",
				       "Sec-WebSocket-Key must be 16 bytes in base64");
	return MHD_NO; /* acceptable */
}

enum MHD_Result api_session_pty(struct hreq *r)
{
	const char *key = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND,
						      "Sec-WebSocket-Key");
	struct session *s = sessions_get(r->srv, r->params[0]);
	struct MHD_Response *resp;
	struct pty_conn *c;
	char accept[29];
	enum MHD_Result res;

	if (!s)
		return http_send_error(r->conn, 404, "E_SESSION_NOT_FOUND", "no such session: %s",
				       r->params[0]);
	if ((res = refuse_upgrade(r, key, accept)) != MHD_NO || r->body_len) {
		session_put(r->srv, s);
		return res != MHD_NO ? res
				     : http_send_error(r->conn, 400, "E_INVALID_REQUEST",
						       "GET /pty takes no body");
	}
	c = calloc(1, sizeof(*c));
	resp = c ? MHD_create_response_for_upgrade(on_upgrade, c) : NULL;
	if (!resp) {
		free(c);
		session_put(r->srv, s);
		return http_send_error(r->conn, 500, "E_INTERNAL", "out of memory");
	}
	*c = (struct pty_conn){ .srv = r->srv, .s = s, .sock = -1, .master_fd = -1,
				.rd = { .from_client = true } };
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->mlock, NULL);
	MHD_add_response_header(resp, "Upgrade", "websocket");
	MHD_add_response_header(resp, "Sec-WebSocket-Accept", accept);
	res = MHD_queue_response(r->conn, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
	MHD_destroy_response(resp);
	return res;
}
