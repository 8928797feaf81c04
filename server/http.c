/* libmicrohttpd plumbing: bodies (400/413), auth, routing, responses. */
#include "compat.h"
#include "config/config.h"
#include "http.h"
#include "log.h"
#include "srv_policy.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>
#include <netdb.h>
#include <sys/stat.h>
#include <sys/un.h>

struct conn_state {
	char *body;
	size_t len;
	bool too_large;
	bool answered;
};

enum MHD_Result http_send_text(struct MHD_Connection *c, unsigned status, const char *type,
			       const char *text)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
								    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result r;

	MHD_add_response_header(resp, "Content-Type", type);
	r = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return r;
}

enum MHD_Result http_send_json(struct MHD_Connection *c, unsigned status, cJSON *j)
{
	char *text = cJSON_PrintUnformatted(j);
	enum MHD_Result r;

	cJSON_Delete(j);
	if (!text)
		return http_send_text(c, 500, "application/json", "{\"error\":\"out of memory\"}");
	r = http_send_text(c, status, "application/json", text);
	free(text);
	return r;
}

enum MHD_Result http_send_error(struct MHD_Connection *c, unsigned status, const char *code,
				const char *fmt, ...)
{
	cJSON *j = cJSON_CreateObject();
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_AddStringToObject(j, "error", msg);
	cJSON_AddStringToObject(j, "code", code);
	cJSON_AddNumberToObject(j, "status", status);
	return http_send_json(c, status, j);
}

const char *http_query(const struct hreq *r, const char *key)
{
	const char *v = MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);

	return v && *v ? v : NULL;
}

/* Matches "/api/v1/sessions/{id}/exec" against url, capturing the {} segments. */
static bool route_match(const char *pattern, const char *url, const char *params[],
			char store[HTTP_MAX_PARAMS][256])
{
	int np = 0;

	while (*pattern && *url) {
		if (*pattern == '{') {
			size_t n = strcspn(url, "/");

			if (n == 0 || n >= 256 || np >= HTTP_MAX_PARAMS)
				return false;
			memcpy(store[np], url, n);
			store[np][n] = '\0';
			params[np] = store[np];
			np++;
			url += n;
			pattern = strchr(pattern, '}') + 1;
		} else if (*pattern++ != *url++) {
			return false;
		}
	}
	if (*url == '/' && !url[1])
		url++;
	return !*pattern && !*url;
}

static bool key_equal(const char *a, const char *b)
{
	unsigned char ha[32], hb[32];

	crypto_generichash(ha, sizeof(ha), (const unsigned char *)a, strlen(a), NULL, 0);
	crypto_generichash(hb, sizeof(hb), (const unsigned char *)b, strlen(b), NULL, 0);
	return sodium_memcmp(ha, hb, sizeof(ha)) == 0;
}

static bool authorized(struct server *srv, struct MHD_Connection *c, const char *url)
{
	const struct config *cfg = srv->cfg;
	const char *key;
	bool ok = false;

	if (strcmp(cfg->auth.type, "none") == 0 || !strcmp(url, "/health") || !strcmp(url, "/ready"))
		return true;
	key = MHD_lookup_connection_value(c, MHD_HEADER_KIND, cfg->auth.api_key.header_name);
	if (!key) {
		const char *authz = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

		key = authz && strncmp(authz, "Bearer ", 7) == 0 ? authz + 7 : NULL;
	}
	for (size_t i = 0; key && i < srv->api_keys.n; i++)
		ok |= key_equal(key, srv->api_keys.v[i]);
	return ok;
}

static enum MHD_Result dispatch(struct server *srv, struct MHD_Connection *c, const char *method,
				const char *url, struct conn_state *st)
{
	char store[HTTP_MAX_PARAMS][256];
	struct hreq r = { .srv = srv, .conn = c, .method = method, .url = url };
	bool path_found = false;
	enum MHD_Result res;

	for (size_t i = 0; i < api_nroutes + policy_nroutes; i++) {
		const struct route *rt = i < api_nroutes ? &api_routes[i]
							 : &policy_routes[i - api_nroutes];

		if (!route_match(rt->pattern, url, r.params, store))
			continue;
		path_found = true;
		if (strcmp(rt->method, method) != 0)
			continue;
		r.body = st->body;
		r.body_len = st->len;
		if (st->len || rt->needs_body) {
			const char *end = NULL;

			r.json = cJSON_ParseWithLengthOpts(st->body ? st->body : "", st->len, &end, 0);
			if (!cJSON_IsObject(r.json)) {
				cJSON_Delete(r.json);
				return http_send_error(c, 400, "E_INVALID_JSON",
						       "request body is not a JSON object");
			}
		}
		res = rt->fn(&r);
		cJSON_Delete(r.json);
		return res;
	}
	if (path_found)
		return http_send_error(c, 405, "E_METHOD_NOT_ALLOWED", "%s not allowed on %s",
				       method, url);
	return http_send_error(c, 404, "E_NOT_FOUND", "no such endpoint: %s %s", method, url);
}

static bool content_length_too_big(struct server *srv, struct MHD_Connection *c)
{
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

	return cl && strtoll(cl, NULL, 10) > srv->cfg->server.http.max_request_size;
}

static void body_append(struct server *srv, struct conn_state *st, const char *data, size_t n)
{
	char *p;

	if (st->too_large || st->len + n > (size_t)srv->cfg->server.http.max_request_size) {
		st->too_large = true;
		return;
	}
	p = realloc(st->body, st->len + n + 1);
	if (!p) {
		st->too_large = true;
		return;
	}
	st->body = p;
	memcpy(st->body + st->len, data, n);
	st->len += n;
	st->body[st->len] = '\0';
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *data,
				  size_t *data_size, void **con_cls)
{
	struct server *srv = cls;
	struct conn_state *st = *con_cls;

	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		*con_cls = st;
		pthread_mutex_lock(&srv->lock);
		srv->m.http_requests++;
		pthread_mutex_unlock(&srv->lock);
		if (content_length_too_big(srv, c)) {
			st->answered = true;
			return http_send_error(c, 413, "E_REQUEST_TOO_LARGE",
					       "request body exceeds server.http.max_request_size");
		}
		return MHD_YES;
	}
	if (*data_size) {
		body_append(srv, st, data, *data_size);
		*data_size = 0;
		return MHD_YES;
	}
	if (st->answered)
		return MHD_YES;
	st->answered = true;
	if (st->too_large)
		return http_send_error(c, 413, "E_REQUEST_TOO_LARGE",
				       "request body exceeds server.http.max_request_size");
	if (!authorized(srv, c, url))
		return http_send_error(c, 401, "E_UNAUTHORIZED", "missing or invalid API key (%s)",
				       srv->cfg->auth.api_key.header_name);
	return dispatch(srv, c, method, url, st);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct conn_state *st = *con_cls;

	if (st) {
		free(st->body);
		free(st);
	}
	*con_cls = NULL;
}

static int parse_addr(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV }, *ai;
	size_t hl;

	if (!colon)
		return -EINVAL;
	hl = (size_t)(colon - addr);
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl > 1 && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = '\0';
	}
	if (getaddrinfo(host[0] ? host : "0.0.0.0", colon + 1, &hints, &ai) != 0)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static struct MHD_Daemon *start(struct server *srv, unsigned flags, struct MHD_OptionItem *opt)
{
	unsigned timeout = (unsigned)(srv->cfg->server.http.read_timeout_ms / 1000);

	return MHD_start_daemon(flags | MHD_USE_THREAD_PER_CONNECTION |
					MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
					MHD_ALLOW_UPGRADE,
				0, NULL, NULL, on_request, srv, MHD_OPTION_NOTIFY_COMPLETED,
				on_completed, srv, MHD_OPTION_CONNECTION_TIMEOUT,
				timeout ? timeout : 30, MHD_OPTION_ARRAY, opt, MHD_OPTION_END);
}

struct MHD_Daemon *http_start_tcp(struct server *srv, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct MHD_OptionItem opt[] = { { MHD_OPTION_SOCK_ADDR, 0, &ss },
					{ MHD_OPTION_END, 0, NULL } };

	if (parse_addr(addr, &ss, &len) < 0) {
		log_error("invalid server.http.addr '%s' (want host:port)", addr);
		return NULL;
	}
	return start(srv, ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0, opt);
}

struct MHD_Daemon *http_start_unix(struct server *srv, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct MHD_OptionItem opt[] = { { MHD_OPTION_LISTEN_SOCKET, fd, NULL },
					{ MHD_OPTION_END, 0, NULL } };
	struct MHD_Daemon *d;

	if (fd < 0 || strlen(path) >= sizeof(sa.sun_path)) {
		safe_close(fd);
		log_error("server.unix_socket: invalid path '%s'", path);
		return NULL;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		log_errno(-errno, "server.unix_socket %s", path);
		close(fd);
		return NULL;
	}
	chmod(path, 0600);
	d = start(srv, 0, opt);
	if (!d)
		close(fd);
	return d;
}
