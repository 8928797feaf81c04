/* One exec request: validate, spawn wrap, collect, answer with the exec JSON. */
#include "compat.h"
#include "config/config.h"
#include "exec_run.h"
#include "log.h"
#include "policy/policy.h"
#include "srv_policy.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static cJSON *error_json(const char *code, const char *msg)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "error", msg);
	cJSON_AddStringToObject(j, "code", code);
	return j;
}

static const char *events_mode(const cJSON *req)
{
	static const char *const modes[] = { "all", "summary", "blocked", "none" };
	const char *m = jstr(req, "include_events");

	if (!m || !*m)
		return "summary";
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (strcmp(m, modes[i]) == 0)
			return modes[i];
	return NULL;
}

/* timeout: a Go duration string or a number of seconds; 0/absent = server.http.write_timeout. */
static int timeout_ms(const struct server *srv, const cJSON *req, long long *out)
{
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(req, "timeout");

	*out = srv->cfg->server.http.write_timeout_ms;
	if (cJSON_IsNumber(t) && t->valuedouble > 0)
		*out = (long long)(t->valuedouble * 1000);
	else if (cJSON_IsString(t) && t->valuestring[0])
		return config_parse_duration_ms(t->valuestring, out);
	else if (t && !cJSON_IsNull(t) && !cJSON_IsNumber(t))
		return -EINVAL;
	return 0;
}

static int working_dir(const struct session *s, const cJSON *req, char *out, size_t len)
{
	const char *wd = jstr(req, "working_dir");
	char tmp[PATH_MAX];
	struct stat st;

	if (!wd || !*wd)
		wd = s->cwd;
	snprintf(tmp, sizeof(tmp), "%s%s%s", wd[0] == '/' ? "" : s->cwd, wd[0] == '/' ? "" : "/",
		 wd);
	if (!realpath(tmp, out) || stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
		return -ENOENT;
	(void)len;
	return 0;
}

static int validate(struct server *srv, const struct session *s, const cJSON *req,
		    struct exec_run *run, char *wd, cJSON **resp)
{
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(req, "args");
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(req, "env");
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(req, "stdin");
	const char *msg = NULL;

	if (!jstr(req, "command") || !jstr(req, "command")[0])
		msg = "command is required";
	else if (args && !cJSON_IsArray(args))
		msg = "args must be an array of strings";
	else if (env && !cJSON_IsObject(env))
		msg = "env must be an object of strings";
	else if (in && !cJSON_IsString(in) && !cJSON_IsNull(in))
		msg = "stdin must be a string";
	else if (!events_mode(req))
		msg = "include_events must be all, summary, blocked or none";
	else if (timeout_ms(srv, req, &run->deadline_ms) < 0)
		msg = "timeout must be a duration such as \"30s\"";
	else if (working_dir(s, req, wd, PATH_MAX) < 0)
		msg = "working_dir does not exist";
	if (msg)
		*resp = error_json("E_INVALID_REQUEST", msg);
	return msg ? -EINVAL : 0;
}

#define AUDIT_OUTPUT_CAP 65536

/* audit.include_stdout / include_stderr: the first 64 KiB in command_finished. */
static void add_output_field(cJSON *f, const char *name, const struct obuf *b)
{
	size_t n = b->len < AUDIT_OUTPUT_CAP ? b->len : AUDIT_OUTPUT_CAP;
	char *clean = exec_json_utf8_clean(b->p ? b->p : "", b->p ? n : 0);

	cJSON_AddStringToObject(f, name, clean ? clean : "");
	free(clean);
}

static void emit_lifecycle(struct server *srv, const struct exec_run *run, const cJSON *req,
			   const char *type, int exit_code, long long dur)
{
	cJSON *ev = cJSON_CreateObject(), *f;

	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddStringToObject(ev, "session_id", run->session_id);
	cJSON_AddStringToObject(ev, "command_id", run->command_id);
	cJSON_AddStringToObject(ev, "source", "server");
	f = cJSON_AddObjectToObject(ev, "fields");
	cJSON_AddStringToObject(f, "command", jstr(req, "command"));
	if (cJSON_GetObjectItemCaseSensitive(req, "args"))
		cJSON_AddItemToObject(f, "args",
				      cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(req, "args"), 1));
	if (strcmp(type, "command_finished") == 0) {
		cJSON_AddNumberToObject(f, "exit_code", exit_code);
		cJSON_AddNumberToObject(f, "duration_ms", (double)dur);
		if (run->include_stdout)
			add_output_field(f, "stdout", &run->out);
		if (run->include_stderr)
			add_output_field(f, "stderr", &run->err);
	}
	events_emit(srv, ev);
	cJSON_Delete(ev);
}

static void run_register(struct server *srv, struct session *s, struct exec_run *run)
{
	pthread_mutex_lock(&srv->lock);
	run->next = srv->runs;
	srv->runs = run;
	s->running++;
	s->execs++;
	s->last_ms = srv_now_ms();
	srv->m.execs++;
	pthread_mutex_unlock(&srv->lock);
}

static void run_unregister(struct server *srv, struct session *s, struct exec_run *run)
{
	pthread_mutex_lock(&srv->lock);
	for (struct exec_run **pp = &srv->runs; *pp; pp = &(*pp)->next)
		if (*pp == run) {
			*pp = run->next;
			break;
		}
	s->running--;
	s->last_ms = srv_now_ms();
	pthread_mutex_unlock(&srv->lock);
}

static void run_init(struct exec_run *run, struct server *srv, const struct session *s,
		     const struct exec_sink *sink, const cJSON *req)
{
	const cJSON *in = cJSON_GetObjectItemCaseSensitive(req, "stdin");

	run->srv = srv;
	run->sink = sink;
	run->pid = -1;
	run->pty_fd = -1;
	run->pidfd = run->out_fd = run->err_fd = run->ev_fd = run->in_fd = -1;
	run->appr_listen = run->appr_fd = -1;
	run->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&run->appr_lock, NULL);
	srv_new_id("cmd-", run->command_id, sizeof(run->command_id));
	snprintf(run->session_id, sizeof(run->session_id), "%s", s->id);
	run->events = cJSON_CreateArray();
	run->stdin_data = cJSON_IsString(in) ? in->valuestring : "";
	run->stdin_len = strlen(run->stdin_data);
}

static void run_release(struct exec_run *run)
{
	approvals_drop_run(run->srv, run);
	safe_close(run->pidfd), safe_close(run->wake_fd), safe_close(run->out_fd);
	safe_close(run->err_fd), safe_close(run->ev_fd), safe_close(run->in_fd);
	safe_close(run->appr_listen), safe_close(run->appr_fd), safe_close(run->pty_fd);
	if (run->appr_path[0])
		unlink(run->appr_path);
	free(run->out.p), free(run->err.p), free(run->evl.p), free(run->apl.p);
	cJSON_Delete(run->events);
	pthread_mutex_destroy(&run->appr_lock);
	free(run);
}

static int wrap_exit(const struct exec_run *run, int status, bool *signaled)
{
	*signaled = false;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status)) {
		*signaled = !run->timed_out && !run->killed;
		return 128 + WTERMSIG(status);
	}
	return 125;
}

static cJSON *finish(struct server *srv, struct exec_run *run, const cJSON *req, int status,
		     const struct rusage *ru, long long start, int *http)
{
	struct exec_outcome o = {
		.command_id = run->command_id,
		.session_id = run->session_id,
		.request = req,
		.out = run->out.p, .out_len = run->out.len, .out_total = run->out.total,
		.out_trunc = run->out.trunc,
		.err = run->err.p, .err_len = run->err.len, .err_total = run->err.total,
		.err_trunc = run->err.trunc,
		.start_ms = start,
		.duration_ms = srv_now_ms() - start,
		.ru = *ru,
		.events = run->events,
		.include_events = jstr(req, "include_events") ? jstr(req, "include_events") : "summary",
		.timed_out = run->timed_out,
		.killed = run->killed,
	};
	bool signaled;

	o.exit_code = wrap_exit(run, status, &signaled);
	o.tracer_failed = signaled || exec_json_tracer_error(o.exit_code, run->events);
	if (o.tracer_failed) {
		o.tracer_message = run->err.len ? run->err.p : signaled ? "tracer killed by a signal"
									 : "tracer error";
		pthread_mutex_lock(&srv->lock);
		srv->m.tracer_failures++;
		pthread_mutex_unlock(&srv->lock);
		log_warn("exec %s: tracer failed (status %d)", run->command_id, o.exit_code);
	}
	if (o.exit_code != 0) {
		pthread_mutex_lock(&srv->lock);
		srv->m.exec_failures++;
		pthread_mutex_unlock(&srv->lock);
	}
	emit_lifecycle(srv, run, req, "command_finished", o.exit_code, o.duration_ms);
	return exec_json_build(&o, http);
}

static int spawn(struct exec_run *run, const struct argv_b *a, char **envp, const char *wd,
		 const struct exec_pty *pty)
{
	int fd, r;

	if (!pty)
		return exec_spawn(run, a, envp, wd);
	r = exec_spawn_pty(run, a, envp, wd, &pty->size);
	if (r < 0)
		return r;
	fd = fcntl(run->pty_fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0)
		return 0; /* the command runs without input */
	pty->started(pty->ctx, run->command_id, run->pid, fd);
	return 0;
}

static int run_command(struct server *srv, struct session *s, struct exec_run *run,
		       const cJSON *req, const char *wd, const struct exec_pty *pty, cJSON **resp)
{
	struct argv_b a = { .n = 0 };
	char nums[2][24];
	struct rusage ru = { 0 };
	long long start = srv_now_ms();
	int status = 0, http = 500;
	char **envp;
	int r;

	if (srv->cfg->approvals.enabled && exec_approver_listen(run) < 0)
		log_warn("exec %s: no approver socket; approvals will be denied", run->command_id);
	if (exec_build_argv(run, s, req, &a, nums) < 0) {
		*resp = error_json("E_INVALID_REQUEST", "args must be an array of strings");
		return 400;
	}
	emit_lifecycle(srv, run, req, "command_started", 0, 0);
	envp = env_build(srv, s, cJSON_GetObjectItemCaseSensitive(req, "env"), run->command_id);
	r = spawn(run, &a, envp, wd, pty);
	env_free(envp);
	if (r < 0) {
		*resp = error_json("E_COMMAND_FAILED", "cannot start the tracer");
		return 503;
	}
	if (run->stdin_len == 0)
		run->in_fd = safe_close(run->in_fd);
	exec_io_loop(run);
	while (wait4(run->pid, &status, 0, &ru) < 0 && errno == EINTR)
		;
	*resp = finish(srv, run, req, status, &ru, start, &http);
	return http;
}

static void apply_policy(struct exec_run *run, const cJSON *req, const struct policy_limits *l,
			 const struct policy_audit *a)
{
	long long t = l->command_timeout_ms;

	if (t > 0 && (!cJSON_GetObjectItemCaseSensitive(req, "timeout") || run->deadline_ms <= 0 ||
		      run->deadline_ms > t))
		run->deadline_ms = t; /* resource_limits.command_timeout bounds every command */
	run->audit_filter = a->log_allowed || a->log_denied || a->log_approved;
	run->log_allowed = a->log_allowed;
	run->log_denied = a->log_denied;
	run->log_approved = a->log_approved;
	run->include_stdout = a->include_stdout;
	run->include_stderr = a->include_stderr;
}

/* The submit-time check (compat.md §1): a denied command never starts. Returns 0 to go
 * on, else the HTTP status with *resp set. */
static int precheck(struct server *srv, struct session *s, struct exec_run *run,
		    const cJSON *req, cJSON **resp)
{
	struct policy_limits lim = { 0 };
	struct policy_audit aud = { 0 };
	struct rusage ru = { 0 };
	char msg[1024] = "";
	int err = 0, http = 0;
	cJSON *denied = srv_policy_precheck(srv, s, jstr(req, "command"),
					    cJSON_GetObjectItemCaseSensitive(req, "args"), &lim,
					    &aud, &err, msg, sizeof(msg));

	if (err < 0) {
		*resp = error_json("E_POLICY_INVALID", msg);
		return err == -ENOENT ? 404 : 500;
	}
	apply_policy(run, req, &lim, &aud);
	if (!denied)
		return 0;
	cJSON_AddStringToObject(denied, "command_id", run->command_id);
	events_emit(srv, denied);
	cJSON_AddItemToArray(run->events, denied);
	pthread_mutex_lock(&srv->lock);
	srv->m.execs++;
	srv->m.exec_failures++;
	s->execs++;
	s->last_ms = srv_now_ms();
	pthread_mutex_unlock(&srv->lock);
	struct exec_outcome o = {
		.command_id = run->command_id, .session_id = run->session_id, .request = req,
		.exit_code = 126, .start_ms = srv_now_ms(), .ru = ru, .events = run->events,
		.include_events = jstr(req, "include_events") ? jstr(req, "include_events") : "summary",
	};
	*resp = exec_json_build(&o, &http);
	return http;
}

static int run_any(struct server *srv, struct session *s, const cJSON *req,
		   const struct exec_sink *sink, const struct exec_pty *pty, cJSON **resp)
{
	struct exec_run *run = calloc(1, sizeof(*run));
	char wd[PATH_MAX];
	int http;

	if (!run)
		return *resp = error_json("E_INTERNAL", "out of memory"), 500;
	run_init(run, srv, s, sink, req);
	if (validate(srv, s, req, run, wd, resp) < 0) {
		run_release(run);
		return 400;
	}
	if (pty && !cJSON_GetObjectItemCaseSensitive(req, "timeout"))
		run->deadline_ms = 0; /* an interactive terminal has no default time limit */
	if ((http = precheck(srv, s, run, req, resp)) != 0) {
		run_release(run);
		return http;
	}
	if (run->deadline_ms > 0)
		run->deadline_ms += srv_now_ms();
	run_register(srv, s, run);
	http = run_command(srv, s, run, req, wd, pty, resp);
	run_unregister(srv, s, run);
	run_release(run);
	return http;
}

int exec_run(struct server *srv, struct session *s, const cJSON *req, const struct exec_sink *sink,
	     cJSON **resp)
{
	return run_any(srv, s, req, sink, NULL, resp);
}

int exec_run_pty(struct server *srv, struct session *s, const cJSON *req,
		 const struct exec_sink *sink, const struct exec_pty *pty, cJSON **resp)
{
	return run_any(srv, s, req, sink, pty, resp);
}

int exec_kill(struct server *srv, const char *session_id, const char *command_id)
{
	uint64_t one = 1;
	int found = 0;

	pthread_mutex_lock(&srv->lock);
	for (struct exec_run *run = srv->runs; run; run = run->next) {
		if (strcmp(run->session_id, session_id) != 0 ||
		    (command_id && strcmp(run->command_id, command_id) != 0))
			continue;
		run->kill_req = true;
		if (write(run->wake_fd, &one, sizeof(one)) < 0)
			log_warn("exec %s: cannot wake the exec loop", run->command_id);
		found++;
	}
	pthread_mutex_unlock(&srv->lock);
	return found ? 0 : -ENOENT;
}

cJSON *exec_output_json(struct server *srv, const char *session_id, const char *command_id)
{
	cJSON *ev = store_query(srv->store, session_id, "command_finished", NULL, NULL, command_id, 1);
	cJSON *first = cJSON_DetachItemFromArray(ev, 0);

	cJSON_Delete(ev);
	return first;
}
