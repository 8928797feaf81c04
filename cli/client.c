/* libcurl client for the agentsh server API, with local autostart. */
#include "compat.h"
#include "cli.h"
#include "client.h"
#include "config/config.h"
#include "log.h"
#include "server/ws.h"

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

static size_t collect(char *p, size_t sz, size_t n, void *ud)
{
	struct client_resp *r = ud;
	char *nb = realloc(r->body, r->len + sz * n + 1);

	if (!nb)
		return 0;
	r->body = nb;
	memcpy(r->body + r->len, p, sz * n);
	r->len += sz * n;
	r->body[r->len] = '\0';
	return sz * n;
}

static struct curl_slist *headers(const struct cli_globals *g, bool json)
{
	struct curl_slist *h = NULL;
	char buf[1024];

	if (json)
		h = curl_slist_append(h, "Content-Type: application/json");
	if (g->api_key && *g->api_key) {
		snprintf(buf, sizeof(buf), "X-API-Key: %s", g->api_key);
		h = curl_slist_append(h, buf);
	}
	return curl_slist_append(h, "Expect:");
}

static CURL *handle(const struct cli_globals *g, const char *method, const char *path,
		    const char *body, struct curl_slist *h)
{
	CURL *c = curl_easy_init();
	char url[4096];

	if (!c)
		return NULL;
	snprintf(url, sizeof(url), "%s%s", g->server, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
	if (body)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	return c;
}

static int curl_errno(CURLcode rc)
{
	if (rc == CURLE_COULDNT_CONNECT)
		return -ECONNREFUSED;
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return -ETIMEDOUT;
	return -EIO;
}

static int perform(const struct cli_globals *g, const char *method, const char *path,
		   const char *body, struct client_resp *resp, bool quiet)
{
	struct curl_slist *h = headers(g, body != NULL);
	CURL *c = handle(g, method, path, body, h);
	CURLcode rc;

	*resp = (struct client_resp){ 0 };
	if (!c) {
		curl_slist_free_all(h);
		return -ENOMEM;
	}
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	if (g->client_timeout_ms > 0)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, g->client_timeout_ms);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	else if (!quiet)
		log_error("cannot reach the agentsh server at %s: %s", g->server,
			  curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	return rc == CURLE_OK ? 0 : curl_errno(rc);
}

int client_request(const struct cli_globals *g, const char *method, const char *path,
		   const char *body, struct client_resp *resp)
{
	return perform(g, method, path, body, resp, false);
}

void client_resp_free(struct client_resp *resp)
{
	free(resp->body);
	*resp = (struct client_resp){ 0 };
}

int client_json(const struct cli_globals *g, const char *method, const char *path,
		const cJSON *body, long *status, cJSON **out)
{
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	struct client_resp resp;
	int r = client_request(g, method, path, text, &resp);

	free(text);
	*out = NULL;
	if (r < 0)
		return r;
	*status = resp.status;
	*out = resp.body ? cJSON_Parse(resp.body) : NULL;
	client_resp_free(&resp);
	return 0;
}

const char *client_error_text(const struct client_resp *resp)
{
	static char buf[1024];
	cJSON *j = resp->body ? cJSON_Parse(resp->body) : NULL;
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");

	snprintf(buf, sizeof(buf), "%s",
		 cJSON_IsString(e) ? e->valuestring : "unexpected answer from the server");
	cJSON_Delete(j);
	return buf;
}

struct sse_state {
	int (*fn)(const char *event, const char *data, void *ctx);
	void *ctx;
	char *buf;
	size_t len;
	bool stopped;
};

/* Dispatches one complete SSE block ("event: x\ndata: y"). */
static int sse_block(struct sse_state *st, char *block)
{
	char event[64] = "message";
	char *data = NULL, *save = NULL;
	int r = 0;

	for (char *line = strtok_r(block, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "event: ", 7) == 0)
			snprintf(event, sizeof(event), "%s", line + 7);
		else if (strncmp(line, "data: ", 6) == 0 && !data)
			data = line + 6;
	}
	if (data)
		r = st->fn(event, data, st->ctx);
	return r;
}

static size_t sse_write(char *p, size_t sz, size_t n, void *ud)
{
	struct sse_state *st = ud;
	char *nb = realloc(st->buf, st->len + sz * n + 1), *end;

	if (!nb)
		return 0;
	st->buf = nb;
	memcpy(st->buf + st->len, p, sz * n);
	st->len += sz * n;
	st->buf[st->len] = '\0';
	while ((end = strstr(st->buf, "\n\n"))) {
		size_t used = (size_t)(end - st->buf) + 2;

		*end = '\0';
		if (sse_block(st, st->buf) != 0)
			st->stopped = true;
		memmove(st->buf, st->buf + used, st->len - used + 1);
		st->len -= used;
		if (st->stopped)
			return 0;
	}
	return sz * n;
}

int client_sse(const struct cli_globals *g, const char *path, const char *body,
	       int (*fn)(const char *event, const char *data, void *ctx), void *ctx)
{
	struct sse_state st = { .fn = fn, .ctx = ctx };
	struct curl_slist *h = headers(g, body != NULL);
	CURL *c = handle(g, body ? "POST" : "GET", path, body, h);
	long status = 0;
	CURLcode rc;

	if (!c)
		return -ENOMEM;
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sse_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &st);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	if (st.len && status >= 400)
		log_error("server answered HTTP %ld: %s", status, st.buf);
	free(st.buf);
	if (rc != CURLE_OK && !st.stopped) {
		log_error("stream from %s failed: %s", g->server, curl_easy_strerror(rc));
		return curl_errno(rc);
	}
	return status >= 400 ? -EIO : 0;
}

/* "host:port" of a local http:// server URL, or false. */
static bool local_addr(const char *url, char *addr, size_t len)
{
	static const char *const hosts[] = { "http://127.0.0.1:", "http://localhost:",
					     "http://[::1]:" };

	for (size_t i = 0; i < ARRAY_SIZE(hosts); i++) {
		size_t n = strlen(hosts[i]);

		if (strncmp(url, hosts[i], n) == 0) {
			snprintf(addr, len, "%.*s:%.*s", (int)(n - 8), url + 7,
				 (int)strcspn(url + n, "/"), url + n);
			return true;
		}
	}
	return false;
}

static bool healthy(const struct cli_globals *g)
{
	struct cli_globals quick = *g;
	struct client_resp resp;
	bool ok;

	quick.client_timeout_ms = 2000;
	ok = perform(&quick, "GET", "/health", NULL, &resp, true) == 0 && resp.status == 200;
	client_resp_free(&resp);
	return ok;
}

static void spawn_server(const char *addr)
{
	char self[PATH_MAX], logp[PATH_MAX];
	char *data = config_data_dir();
	pid_t pid;

	if (!realpath("/proc/self/exe", self) || !data)
		_exit(1);
	mkdir(data, 0700);
	snprintf(logp, sizeof(logp), "%s/server.log", data);
	free(data);
	pid = fork();
	if (pid != 0)
		_exit(pid < 0);
	int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || nul < 0 || dup2(nul, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
		_exit(1);
	setenv("AGENTSH_HTTP_ADDR", addr, 1);
	execl(self, "agentsh", "server", (char *)NULL);
	_exit(127);
}

int client_ensure_server(const struct cli_globals *g)
{
	const char *no = getenv("AGENTSH_NO_AUTO");
	char addr[256];
	pid_t pid;

	if (healthy(g))
		return 0;
	if ((no && strcmp(no, "1") == 0) || !local_addr(g->server, addr, sizeof(addr))) {
		log_error("no agentsh server at %s (start one with `agentsh server`)", g->server);
		return -ECONNREFUSED;
	}
	pid = fork();
	if (pid == 0) {
		setsid();
		spawn_server(addr);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	for (int i = 0; i < 100; i++) {
		struct timespec ts = { 0, 100000000 };

		if (healthy(g))
			return 0;
		nanosleep(&ts, NULL);
	}
	log_error("started a local agentsh server on %s but it does not answer (see its log in "
		  "the data directory, server.log)",
		  addr);
	return -ETIMEDOUT;
}

/* host and port of an http:// server URL; prefix receives any path part. */
static int split_url(const char *url, char *host, size_t hl, char *port, size_t pl, char *prefix,
		     size_t xl)
{
	const char *p = url, *end, *colon;

	if (strncmp(p, "http://", 7) != 0)
		return -EPROTONOSUPPORT;
	p += 7;
	end = p + strcspn(p, "/");
	if (*p == '[') {
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (!rb)
			return -EINVAL;
		snprintf(host, hl, "%.*s", (int)(rb - p - 1), p + 1);
		colon = rb[1] == ':' ? rb + 1 : NULL;
	} else {
		colon = memchr(p, ':', (size_t)(end - p));
		snprintf(host, hl, "%.*s", (int)((colon ? colon : end) - p), p);
	}
	snprintf(port, pl, "%.*s", colon ? (int)(end - colon - 1) : 2, colon ? colon + 1 : "80");
	snprintf(prefix, xl, "%s", strcmp(end, "/") == 0 ? "" : end);
	return host[0] && port[0] ? 0 : -EINVAL;
}

static int tcp_connect(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai, *a;
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return -EHOSTUNREACH;
	for (a = ai; a && fd < 0; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) < 0)
			fd = safe_close(fd);
	}
	freeaddrinfo(ai);
	return fd >= 0 ? fd : -ECONNREFUSED;
}

/* Reads the response head (up to 16 KiB); returns its length, extra bytes stay in buf. */
static ssize_t read_head(int fd, char *buf, size_t cap, size_t *got)
{
	char *end;

	*got = 0;
	while (*got < cap - 1) {
		ssize_t n = recv(fd, buf + *got, cap - 1 - *got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -ECONNRESET;
		*got += (size_t)n;
		buf[*got] = '\0';
		if ((end = strstr(buf, "\r\n\r\n")))
			return end + 4 - buf;
	}
	return -E2BIG;
}

static const char *head_value(const char *head, const char *name, char *out, size_t len)
{
	size_t n = strlen(name);

	for (const char *l = strstr(head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n"))
		if (strncasecmp(l + 2, name, n) == 0 && l[2 + n] == ':') {
			const char *v = l + 3 + n;

			v += strspn(v, " \t");
			snprintf(out, len, "%.*s", (int)strcspn(v, "\r"), v);
			return out;
		}
	return NULL;
}

static int handshake(const struct cli_globals *g, int fd, const char *host, const char *port,
		     const char *path, struct ws_reader *rd)
{
	char key[25], want[29], got[64], req[8192], head[16384];
	size_t n;
	ssize_t hl;
	int len;

	ws_new_key(key);
	ws_accept_key(key, want);
	len = snprintf(req, sizeof(req),
		       "GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
		       "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
		       "Sec-WebSocket-Version: 13\r\n%s%s%s\r\n",
		       path, host, port, key, g->api_key && *g->api_key ? "X-API-Key: " : "",
		       g->api_key && *g->api_key ? g->api_key : "",
		       g->api_key && *g->api_key ? "\r\n" : "");
	if (len >= (int)sizeof(req) || send(fd, req, (size_t)len, MSG_NOSIGNAL) != len)
		return log_error("cannot send the terminal request to %s", g->server), -EIO;
	hl = read_head(fd, head, sizeof(head), &n);
	if (hl < 0)
		return log_error("no answer from %s to the terminal request", g->server), -EIO;
	if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
		struct client_resp resp = { .body = head + hl, .len = n - (size_t)hl };

		log_error("the server refused the terminal: %.*s: %s", (int)strcspn(head, "\r"),
			  head, client_error_text(&resp));
		return -EIO;
	}
	if (!head_value(head, "Sec-WebSocket-Accept", got, sizeof(got)) || strcmp(got, want) != 0)
		return log_error("the server's WebSocket handshake is invalid"), -EPROTO;
	return n > (size_t)hl ? ws_reader_feed(rd, head + hl, n - (size_t)hl) : 0;
}

int client_ws_open(const struct cli_globals *g, const char *path, struct ws_reader *rd)
{
	char host[256], port[16], prefix[1024], full[4096];
	int fd, r = split_url(g->server, host, sizeof(host), port, sizeof(port), prefix,
			      sizeof(prefix));

	if (r < 0)
		return log_error("--pty needs an http:// server URL (got %s)", g->server), r;
	fd = tcp_connect(host, port);
	if (fd < 0)
		return log_error("cannot reach the agentsh server at %s", g->server), fd;
	snprintf(full, sizeof(full), "%s%s", prefix, path);
	r = handshake(g, fd, host, port, full, rd);
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}
