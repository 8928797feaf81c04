/* Live event subscribers (GET /sessions/{id}/events): a bounded queue per subscriber. */
#include "compat.h"
#include "internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <time.h>

#define SSE_QUEUE_MAX 4096

struct sse_sub {
	char session_id[SRV_ID_LEN];
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct strv q;
	size_t head;
	long dropped;
	struct sse_sub *next;
};

struct sse_sub *sse_subscribe(struct server *srv, const char *session_id)
{
	struct sse_sub *sub = calloc(1, sizeof(*sub));

	if (!sub)
		return NULL;
	snprintf(sub->session_id, sizeof(sub->session_id), "%s", session_id ? session_id : "");
	pthread_mutex_init(&sub->lock, NULL);
	pthread_cond_init(&sub->cond, NULL);
	pthread_mutex_lock(&srv->lock);
	sub->next = srv->subs;
	srv->subs = sub;
	pthread_mutex_unlock(&srv->lock);
	return sub;
}

void sse_unsubscribe(struct server *srv, struct sse_sub *sub)
{
	pthread_mutex_lock(&srv->lock);
	for (struct sse_sub **pp = &srv->subs; *pp; pp = &(*pp)->next)
		if (*pp == sub) {
			*pp = sub->next;
			break;
		}
	pthread_mutex_unlock(&srv->lock);
	strv_free(&sub->q);
	pthread_mutex_destroy(&sub->lock);
	pthread_cond_destroy(&sub->cond);
	free(sub);
}

static char *sse_format(const cJSON *ev)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(ev, "type");
	char *json = cJSON_PrintUnformatted(ev), *out;
	size_t n;

	if (!json)
		return NULL;
	n = strlen(json) + 128;
	out = malloc(n);
	if (out)
		snprintf(out, n, "event: %s\ndata: %s\n\n",
			 cJSON_IsString(t) ? t->valuestring : "event", json);
	free(json);
	return out;
}

static void sub_push(struct sse_sub *sub, const char *text)
{
	pthread_mutex_lock(&sub->lock);
	if (sub->q.n - sub->head < SSE_QUEUE_MAX)
		strv_push(&sub->q, text);
	else
		sub->dropped++;
	pthread_cond_signal(&sub->cond);
	pthread_mutex_unlock(&sub->lock);
}

void sse_publish(struct server *srv, const cJSON *ev)
{
	const cJSON *sid = cJSON_GetObjectItemCaseSensitive(ev, "session_id");
	char *text = NULL;

	pthread_mutex_lock(&srv->lock);
	for (struct sse_sub *sub = srv->subs; sub; sub = sub->next) {
		if (sub->session_id[0] &&
		    !(cJSON_IsString(sid) && strcmp(sid->valuestring, sub->session_id) == 0))
			continue;
		if (!text)
			text = sse_format(ev);
		if (text)
			sub_push(sub, text);
	}
	pthread_mutex_unlock(&srv->lock);
	free(text);
}

static char *pop_locked(struct sse_sub *sub)
{
	char *s;

	if (sub->head >= sub->q.n)
		return NULL;
	s = sub->q.v[sub->head];
	sub->q.v[sub->head++] = NULL;
	if (sub->head == sub->q.n) {
		strv_free(&sub->q);
		sub->head = 0;
	}
	return s;
}

char *sse_next(struct server *srv, struct sse_sub *sub, int timeout_ms)
{
	struct timespec ts;
	char *s;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&sub->lock);
	s = pop_locked(sub);
	if (!s && !srv->stopping) {
		pthread_cond_timedwait(&sub->cond, &sub->lock, &ts);
		s = pop_locked(sub);
	}
	pthread_mutex_unlock(&sub->lock);
	return s;
}
