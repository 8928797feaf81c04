/* Server-sent event responses: /exec/stream (stdout, stderr, done) and /sessions/{id}/events. */
#include "compat.h"
#include "http.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <time.h>

#define KEEPALIVE_MS 15000

struct stream {
	struct server *srv;
	struct session *s;
	cJSON *req;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	char *buf;
	size_t len, off;
	bool done;
	int refs;
};

static void stream_put(struct stream *st)
{
	bool last;

	pthread_mutex_lock(&st->lock);
	last = --st->refs == 0;
	pthread_mutex_unlock(&st->lock);
	if (!last)
		return;
	session_put(st->srv, st->s);
	cJSON_Delete(st->req);
	free(st->buf);
	pthread_mutex_destroy(&st->lock);
	pthread_cond_destroy(&st->cond);
	free(st);
}

static void stream_append(struct stream *st, const char *event, cJSON *data)
{
	char *json = cJSON_PrintUnformatted(data);
	size_t n = (json ? strlen(json) : 0) + strlen(event) + 32;
	char *p;

	cJSON_Delete(data);
	pthread_mutex_lock(&st->lock);
	p = realloc(st->buf, st->len + n);
	if (p && json) {
		st->buf = p;
		st->len += (size_t)snprintf(st->buf + st->len, n, "event: %s\ndata: %s\n\n", event,
					    json);
	}
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->lock);
	free(json);
}

static void on_output(void *ctx, const char *stream, const char *buf, size_t len)
{
	cJSON *d = cJSON_CreateObject();
	char *clean = exec_json_utf8_clean(buf, len);

	cJSON_AddStringToObject(d, "stream", stream);
	cJSON_AddStringToObject(d, "data", clean ? clean : "");
	free(clean);
	stream_append(ctx, stream, d);
}

static void *stream_thread(void *arg)
{
	struct stream *st = arg;
	struct exec_sink sink = { .output = on_output, .ctx = st };
	cJSON *resp = NULL;
	int status = exec_run(st->srv, st->s, st->req, &sink, &resp);

	cJSON_AddNumberToObject(resp, "http_status", status);
	stream_append(st, "done", resp);
	pthread_mutex_lock(&st->lock);
	st->done = true;
	pthread_cond_signal(&st->cond);
	pthread_mutex_unlock(&st->lock);
	stream_put(st);
	return NULL;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct stream *st = cls;
	ssize_t n = 0;

	pthread_mutex_lock(&st->lock);
	while (st->off == st->len && !st->done) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += KEEPALIVE_MS / 1000;
		if (pthread_cond_timedwait(&st->cond, &st->lock, &ts) != 0 && st->off == st->len) {
			pthread_mutex_unlock(&st->lock);
			memcpy(out, ": keepalive\n\n", 13);
			return 13;
		}
	}
	if (st->off < st->len) {
		n = (ssize_t)(st->len - st->off < max ? st->len - st->off : max);
		memcpy(out, st->buf + st->off, (size_t)n);
		st->off += (size_t)n;
	} else {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	}
	pthread_mutex_unlock(&st->lock);
	return n;
}

static void stream_free(void *cls)
{
	stream_put(cls);
}

static enum MHD_Result send_sse(struct MHD_Connection *c, MHD_ContentReaderCallback rd,
				void *ctx, MHD_ContentReaderFreeCallback fr)
{
	struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, rd,
								      ctx, fr);
	enum MHD_Result r;

	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	r = MHD_queue_response(c, 200, resp);
	MHD_destroy_response(resp);
	return r;
}

enum MHD_Result api_exec_stream(struct hreq *r)
{
	struct session *s = sessions_get(r->srv, r->params[0]);
	struct stream *st;
	pthread_t th;

	if (!s)
		return http_send_error(r->conn, 404, "E_SESSION_NOT_FOUND", "no such session: %s",
				       r->params[0]);
	st = calloc(1, sizeof(*st));
	if (!st) {
		session_put(r->srv, s);
		return http_send_error(r->conn, 500, "E_INTERNAL", "out of memory");
	}
	*st = (struct stream){ .srv = r->srv, .s = s, .req = cJSON_Duplicate(r->json, 1), .refs = 2 };
	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	if (pthread_create(&th, NULL, stream_thread, st) != 0) {
		st->refs = 1;
		stream_put(st);
		return http_send_error(r->conn, 503, "E_INTERNAL", "cannot start the command");
	}
	pthread_detach(th);
	return send_sse(r->conn, stream_read, st, stream_free);
}

struct events_ctx {
	struct server *srv;
	struct sse_sub *sub;
	char *pending;
	size_t off;
};

static ssize_t events_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct events_ctx *ec = cls;
	size_t n;

	if (pos == 0 && !ec->pending) {
		memcpy(out, ": connected\n\n", 13);
		return 13;
	}
	if (!ec->pending) {
		ec->off = 0;
		ec->pending = sse_next(ec->srv, ec->sub, KEEPALIVE_MS);
		if (!ec->pending) {
			if (ec->srv->stopping)
				return MHD_CONTENT_READER_END_OF_STREAM;
			memcpy(out, ": keepalive\n\n", 13);
			return 13;
		}
	}
	n = strlen(ec->pending + ec->off);
	n = n < max ? n : max;
	memcpy(out, ec->pending + ec->off, n);
	ec->off += n;
	if (!ec->pending[ec->off]) {
		free(ec->pending);
		ec->pending = NULL;
	}
	return (ssize_t)n;
}

static void events_free(void *cls)
{
	struct events_ctx *ec = cls;

	sse_unsubscribe(ec->srv, ec->sub);
	free(ec->pending);
	free(ec);
}

enum MHD_Result api_session_events(struct hreq *r)
{
	struct session *s = sessions_get(r->srv, r->params[0]);
	struct events_ctx *ec;

	if (!s)
		return http_send_error(r->conn, 404, "E_SESSION_NOT_FOUND", "no such session: %s",
				       r->params[0]);
	session_put(r->srv, s);
	ec = calloc(1, sizeof(*ec));
	if (!ec)
		return http_send_error(r->conn, 500, "E_INTERNAL", "out of memory");
	ec->srv = r->srv;
	ec->sub = sse_subscribe(r->srv, r->params[0]);
	return send_sse(r->conn, events_read, ec, events_free);
}
