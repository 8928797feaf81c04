/* Internal interfaces between the server's files. */
#ifndef AGENTSH_SERVER_INTERNAL_H
#define AGENTSH_SERVER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/types.h>

struct cJSON;
struct config;
struct store;
struct audit_log;
struct exec_run;

#define SRV_ID_LEN 48

struct strv {
	char **v;
	size_t n;
};

struct session {
	char id[SRV_ID_LEN];
	char *workspace, *policy, *cwd, *profile, *home, *project_root;
	bool real_paths;
	struct strv env;   /* "K=V" set by update --set-env */
	struct strv unset; /* names removed by update --unset-env */
	long long created_ms, last_ms;
	long execs;
	int running;  /* commands in flight */
	bool destroyed;
	int refs;
	struct session *next;
};

struct approval {
	char id[64];      /* ours: unique across concurrent commands */
	char wrap_id[64]; /* wrap's id, used in the answer line */
	char session_id[SRV_ID_LEN], command_id[SRV_ID_LEN];
	struct cJSON *event;
	long long created_ms, expires_ms;
	struct exec_run *run;
	struct approval *next;
};

struct metrics {
	long sessions_created, execs, exec_failures, tracer_failures, events;
	long decisions[8]; /* by METRIC_DECISIONS index */
	long approvals, approvals_allowed, approvals_denied;
	long long hold_ms_total;
	long http_requests, http_errors;
};

struct sse_sub;

struct server {
	const struct config *cfg;
	const char *config_path, *self_exe;
	char *data_dir;
	char run_dir[64]; /* approver sockets */
	pthread_mutex_t lock; /* sessions, approvals, runs, metrics, subs */
	struct session *sessions;
	struct approval *approvals;
	struct exec_run *runs;
	struct sse_sub *subs;
	struct metrics m;
	struct store *store;
	struct audit_log *audit;
	void *audit_plain; /* FILE * when audit.integrity is off */
	struct strv api_keys;
	volatile int stopping;
};

/* util.c */
long long srv_now_ms(void);
void srv_iso8601(long long ms, char *buf, size_t len);
void srv_new_id(const char *prefix, char *buf, size_t len);
bool srv_id_is_safe(const char *id);
void strv_free(struct strv *v);
int strv_push(struct strv *v, const char *s);
void strv_remove_key(struct strv *v, const char *key);

/* sessions.c */
struct cJSON *session_to_json(const struct session *s);
/* Creates from the request body (id, workspace, policy, ...). Returns 0, -EEXIST, -EINVAL
 * (msg filled), -ENOSPC (max_sessions). */
int sessions_create(struct server *srv, const struct cJSON *req, struct session **out, char *msg,
		    size_t msglen);
/* Looks up and takes a reference (release with session_put). */
struct session *sessions_get(struct server *srv, const char *id);
void session_put(struct server *srv, struct session *s);
int sessions_destroy(struct server *srv, const char *id);
int sessions_update(struct server *srv, struct session *s, const struct cJSON *req, char *msg,
		    size_t msglen);
struct cJSON *sessions_list_json(struct server *srv);
void sessions_reap(struct server *srv);
int sessions_count(struct server *srv);

/* events.c: every event goes to the store, the audit log, live subscribers, metrics. */
void events_emit(struct server *srv, struct cJSON *ev);

/* store.c */
int store_open(struct store **out, const char *path, long batch, long long flush_ms);
void store_close(struct store *st);
void store_add(struct store *st, const struct cJSON *ev);
/* JSON array of events matching the filters (NULL = any), oldest first. */
struct cJSON *store_query(struct store *st, const char *session_id, const char *type,
			  const char *decision, const char *since, const char *command_id,
			  long limit);
bool store_has_session(struct store *st, const char *session_id);

/* sse.c: live event subscribers */
struct sse_sub *sse_subscribe(struct server *srv, const char *session_id);
void sse_unsubscribe(struct server *srv, struct sse_sub *sub);
void sse_publish(struct server *srv, const struct cJSON *ev);
/* Blocks up to timeout_ms for the next line of the subscriber; returns malloc'd SSE text or NULL. */
char *sse_next(struct server *srv, struct sse_sub *sub, int timeout_ms);

/* approvals.c */
void approvals_add(struct server *srv, struct exec_run *run, const char *id,
		   struct cJSON *event, long timeout_ms);
/* 0, -ENOENT, -EINVAL (bad decision) */
int approvals_resolve(struct server *srv, const char *id, const char *decision,
		      const char *reason);
void approvals_drop_run(struct server *srv, struct exec_run *run);
struct cJSON *approvals_list_json(struct server *srv);

/* exec.c */
struct exec_sink {
	void (*output)(void *ctx, const char *stream, const char *buf, size_t len);
	void *ctx;
};
/* Runs one exec request in session s; returns the HTTP status and sets *resp (exec JSON
 * or an error object). */
int exec_run(struct server *srv, struct session *s, const struct cJSON *req,
	     const struct exec_sink *sink, struct cJSON **resp);
/* The same on a pseudo-terminal (GET /pty): stdin, stdout and stderr are the terminal,
 * whose output goes to sink as "stdout". started() receives a dup of the terminal's master
 * side (the callee closes it) once the command runs. */
struct exec_pty {
	struct winsize size;
	void (*started)(void *ctx, const char *command_id, pid_t pid, int master_fd);
	void *ctx;
};
int exec_run_pty(struct server *srv, struct session *s, const struct cJSON *req,
		 const struct exec_sink *sink, const struct exec_pty *pty, struct cJSON **resp);
int exec_kill(struct server *srv, const char *session_id, const char *command_id);
/* Approver side: writes one answer line to the run's wrap. */
int exec_answer_approval(struct exec_run *run, const char *line);
struct cJSON *exec_output_json(struct server *srv, const char *session_id,
			       const char *command_id);

/* exec_json.c */
struct exec_outcome {
	const char *command_id, *session_id;
	const struct cJSON *request;
	int exit_code;
	const char *out, *err;
	size_t out_len, err_len, out_total, err_total;
	bool out_trunc, err_trunc;
	long long start_ms, duration_ms;
	struct rusage ru;
	const struct cJSON *events; /* array */
	const char *include_events; /* all|summary|blocked|none */
	bool timed_out, killed, tracer_failed;
	const char *tracer_message;
};
/* Builds the exec JSON of compat.md §3 and chooses the HTTP status. */
struct cJSON *exec_json_build(const struct exec_outcome *o, int *http_status);
bool exec_json_tracer_error(int exit_code, const struct cJSON *events);
/* Valid UTF-8 copy of s[0..n): invalid bytes and NUL become U+FFFD. */
char *exec_json_utf8_clean(const char *s, size_t n);

/* metrics.c */
void metrics_count_event(struct server *srv, const struct cJSON *ev);
char *metrics_render(struct server *srv);

/* env.c: the command environment (server env filtered, session env, request env). */
char **env_build(struct server *srv, const struct session *s, const struct cJSON *req_env,
		 const char *command_id);
void env_free(char **env);

#endif /* !AGENTSH_SERVER_INTERNAL_H */
