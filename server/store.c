/* Event store: SQLite (WAL), written in batches by one thread, queried by the API. */
#include "compat.h"
#include "config/config.h"
#include "internal.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <time.h>

struct store {
	sqlite3 *db;
	pthread_mutex_t db_lock, q_lock;
	pthread_cond_t q_cond;
	pthread_t thread;
	struct strv queue;
	long batch;
	long long flush_ms;
	bool stop;
};

static const char schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS events(seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT,"
	" session_id TEXT, command_id TEXT, type TEXT, decision TEXT, timestamp TEXT,"
	" json TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS events_session ON events(session_id, seq);"
	"CREATE INDEX IF NOT EXISTS events_type ON events(type);";

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static const char *decision_of(const cJSON *ev)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "policy");
	const char *d = jstr(p, "effective_decision");

	return d ? d : jstr(p, "decision");
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

static void insert_one(sqlite3_stmt *st, const char *json)
{
	cJSON *ev = cJSON_Parse(json);

	if (!ev)
		return;
	bind_text(st, 1, jstr(ev, "id"));
	bind_text(st, 2, jstr(ev, "session_id"));
	bind_text(st, 3, jstr(ev, "command_id"));
	bind_text(st, 4, jstr(ev, "type"));
	bind_text(st, 5, decision_of(ev));
	bind_text(st, 6, jstr(ev, "timestamp"));
	bind_text(st, 7, json);
	if (sqlite3_step(st) != SQLITE_DONE)
		log_warn("event store: insert failed");
	sqlite3_reset(st);
	cJSON_Delete(ev);
}

/* Writes the queued events in one transaction; caller holds db_lock. */
static void flush_locked(struct store *s)
{
	struct strv q;
	sqlite3_stmt *st = NULL;

	pthread_mutex_lock(&s->q_lock);
	q = s->queue;
	s->queue = (struct strv){ 0 };
	pthread_mutex_unlock(&s->q_lock);
	if (q.n == 0)
		return;
	sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL);
	if (sqlite3_prepare_v2(s->db,
			       "INSERT INTO events(id,session_id,command_id,type,decision,"
			       "timestamp,json) VALUES(?,?,?,?,?,?,?)",
			       -1, &st, NULL) == SQLITE_OK)
		for (size_t i = 0; i < q.n; i++)
			insert_one(st, q.v[i]);
	sqlite3_finalize(st);
	if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		log_warn("event store: commit failed: %s", sqlite3_errmsg(s->db));
	strv_free(&q);
}

static void flush(struct store *s)
{
	pthread_mutex_lock(&s->db_lock);
	flush_locked(s);
	pthread_mutex_unlock(&s->db_lock);
}

static void *writer(void *arg)
{
	struct store *s = arg;

	pthread_mutex_lock(&s->q_lock);
	while (!s->stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += (time_t)(s->flush_ms / 1000);
		ts.tv_nsec += (long)(s->flush_ms % 1000) * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if ((long)s->queue.n < s->batch)
			pthread_cond_timedwait(&s->q_cond, &s->q_lock, &ts);
		pthread_mutex_unlock(&s->q_lock);
		flush(s);
		pthread_mutex_lock(&s->q_lock);
	}
	pthread_mutex_unlock(&s->q_lock);
	return NULL;
}

int store_open(struct store **out, const char *path, long batch, long long flush_ms)
{
	struct store *s = calloc(1, sizeof(*s));
	char *err = NULL;

	if (!s)
		return -ENOMEM;
	if (sqlite3_open(path, &s->db) != SQLITE_OK) {
		log_error("cannot open event store %s: %s", path, sqlite3_errmsg(s->db));
		sqlite3_close(s->db);
		free(s);
		return -EIO;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if (sqlite3_exec(s->db, schema, NULL, NULL, &err) != SQLITE_OK) {
		log_error("event store %s: %s", path, err ? err : "schema failed");
		sqlite3_free(err);
		sqlite3_close(s->db);
		free(s);
		return -EIO;
	}
	s->batch = batch > 0 ? batch : 100;
	s->flush_ms = flush_ms > 0 ? flush_ms : 1000;
	pthread_mutex_init(&s->db_lock, NULL);
	pthread_mutex_init(&s->q_lock, NULL);
	pthread_cond_init(&s->q_cond, NULL);
	pthread_create(&s->thread, NULL, writer, s);
	*out = s;
	return 0;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->q_lock);
	s->stop = true;
	pthread_cond_signal(&s->q_cond);
	pthread_mutex_unlock(&s->q_lock);
	pthread_join(s->thread, NULL);
	flush(s);
	sqlite3_close(s->db);
	free(s);
}

void store_add(struct store *s, const cJSON *ev)
{
	char *json = cJSON_PrintUnformatted(ev);

	if (!json)
		return;
	pthread_mutex_lock(&s->q_lock);
	strv_push(&s->queue, json);
	if ((long)s->queue.n >= s->batch)
		pthread_cond_signal(&s->q_cond);
	pthread_mutex_unlock(&s->q_lock);
	free(json);
}

/* "since" is an RFC 3339 time or a duration back from now ("5m"). */
static void since_bound(const char *since, char *buf, size_t len)
{
	long long ms;

	if (config_parse_duration_ms(since, &ms) == 0)
		srv_iso8601(srv_now_ms() - ms, buf, len);
	else
		snprintf(buf, len, "%s", since);
}

cJSON *store_query(struct store *s, const char *session_id, const char *type,
		   const char *decision, const char *since, const char *command_id, long limit)
{
	static const char sql[] =
		"SELECT json FROM (SELECT seq, json FROM events WHERE (?1 IS NULL OR session_id=?1)"
		" AND (?2 IS NULL OR type=?2) AND (?3 IS NULL OR decision=?3)"
		" AND (?4 IS NULL OR timestamp>=?4) AND (?5 IS NULL OR command_id=?5)"
		" ORDER BY seq DESC LIMIT ?6) ORDER BY seq";
	cJSON *a = cJSON_CreateArray();
	sqlite3_stmt *st = NULL;
	char since_buf[64];

	pthread_mutex_lock(&s->db_lock);
	flush_locked(s);
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
		if (since)
			since_bound(since, since_buf, sizeof(since_buf));
		bind_text(st, 1, session_id);
		bind_text(st, 2, type);
		bind_text(st, 3, decision);
		bind_text(st, 4, since ? since_buf : NULL);
		bind_text(st, 5, command_id);
		sqlite3_bind_int64(st, 6, limit > 0 ? limit : -1);
		while (sqlite3_step(st) == SQLITE_ROW)
			cJSON_AddItemToArray(a, cJSON_Parse((const char *)sqlite3_column_text(st, 0)));
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->db_lock);
	return a;
}

bool store_has_session(struct store *s, const char *session_id)
{
	sqlite3_stmt *st = NULL;
	bool found = false;

	pthread_mutex_lock(&s->db_lock);
	flush_locked(s);
	if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM events WHERE session_id=? LIMIT 1", -1, &st,
			       NULL) == SQLITE_OK) {
		bind_text(st, 1, session_id);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&s->db_lock);
	return found;
}
