/* The session table: create, look up, update, destroy, reap on timeouts. */
#include "compat.h"
#include "config/config.h"
#include "internal.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && v->valuestring[0] ? v->valuestring : NULL;
}

static void session_free(struct session *s)
{
	free(s->workspace);
	free(s->policy);
	free(s->cwd);
	free(s->profile);
	free(s->home);
	free(s->project_root);
	strv_free(&s->env);
	strv_free(&s->unset);
	free(s);
}

cJSON *session_to_json(const struct session *s)
{
	cJSON *j = cJSON_CreateObject(), *env = cJSON_AddObjectToObject(j, "env");
	char ts[40];

	cJSON_AddStringToObject(j, "id", s->id);
	cJSON_AddStringToObject(j, "state", s->running ? "busy" : "ready");
	cJSON_AddStringToObject(j, "workspace", s->workspace);
	cJSON_AddStringToObject(j, "policy", s->policy);
	cJSON_AddStringToObject(j, "cwd", s->cwd);
	if (s->profile)
		cJSON_AddStringToObject(j, "profile", s->profile);
	if (s->home)
		cJSON_AddStringToObject(j, "home", s->home);
	if (s->project_root)
		cJSON_AddStringToObject(j, "project_root", s->project_root);
	cJSON_AddBoolToObject(j, "real_paths", s->real_paths);
	srv_iso8601(s->created_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(j, "created_at", ts);
	srv_iso8601(s->last_ms, ts, sizeof(ts));
	cJSON_AddStringToObject(j, "last_activity", ts);
	cJSON_AddNumberToObject(j, "exec_count", (double)s->execs);
	cJSON_AddNumberToObject(j, "running", s->running);
	for (size_t i = 0; i < s->env.n; i++) {
		char *eq = strchr(s->env.v[i], '=');

		if (eq) {
			*eq = '\0';
			cJSON_AddStringToObject(env, s->env.v[i], eq + 1);
			*eq = '=';
		}
	}
	return j;
}

static bool policy_exists(const char *dir, const char *name)
{
	static const char *const ext[] = { ".yaml", ".yml", "" };
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(ext); i++) {
		snprintf(path, sizeof(path), "%s/%s%s", dir, name, ext[i]);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return true;
	}
	return false;
}

static bool policy_allowed(const struct config *cfg, const char *name)
{
	if (strcmp(name, cfg->policies.default_name) == 0)
		return true;
	for (size_t i = 0; i < cfg->policies.allowed.n; i++)
		if (strcmp(cfg->policies.allowed.v[i], name) == 0)
			return true;
	return false;
}

static const char *default_policy(const struct config *cfg)
{
	const char *env = getenv("AGENTSH_POLICY_NAME");

	return env && *env && policy_allowed(cfg, env) ? env : cfg->policies.default_name;
}

static int check_policy(const struct config *cfg, const char *name, char *msg, size_t len)
{
	if (!srv_id_is_safe(name) || name[0] == '.')
		return snprintf(msg, len, "invalid policy name '%s'", name), -EINVAL;
	if (!policy_allowed(cfg, name))
		return snprintf(msg, len,
				"policy '%s' is not allowed (add it to policies.allowed)", name),
		       -EPERM;
	if (!policy_exists(cfg->policies.dir, name))
		return snprintf(msg, len, "policy '%s' not found in %s", name, cfg->policies.dir),
		       -EINVAL;
	return 0;
}

static int resolve_workspace(const char *ws, char **out, char *msg, size_t len)
{
	char real[PATH_MAX];
	struct stat st;

	if (!realpath(ws, real) || stat(real, &st) < 0 || !S_ISDIR(st.st_mode))
		return snprintf(msg, len, "workspace '%s' is not a directory", ws), -EINVAL;
	*out = strdup(real);
	return *out ? 0 : -ENOMEM;
}

static int fill_env(struct session *s, const cJSON *env, char *msg, size_t len)
{
	const cJSON *e;

	if (env && !cJSON_IsObject(env))
		return snprintf(msg, len, "env must be an object of strings"), -EINVAL;
	cJSON_ArrayForEach(e, env)
	{
		char kv[8192];

		if (!cJSON_IsString(e) || !e->string[0] || strchr(e->string, '='))
			return snprintf(msg, len, "env must be an object of strings"), -EINVAL;
		snprintf(kv, sizeof(kv), "%s=%s", e->string, e->valuestring);
		strv_remove_key(&s->env, e->string);
		if (strv_push(&s->env, kv) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int session_fill(struct server *srv, struct session *s, const cJSON *req, char *msg,
			size_t len)
{
	const char *ws = jstr(req, "workspace"), *pol = jstr(req, "policy");
	const cJSON *rp = cJSON_GetObjectItemCaseSensitive(req, "real_paths");
	int r;

	if (!ws)
		return snprintf(msg, len, "workspace is required"), -EINVAL;
	r = resolve_workspace(ws, &s->workspace, msg, len);
	if (r < 0)
		return r;
	s->policy = strdup(pol ? pol : default_policy(srv->cfg));
	r = check_policy(srv->cfg, s->policy, msg, len);
	if (r < 0)
		return r;
	if (jstr(req, "cwd"))
		r = resolve_workspace(jstr(req, "cwd"), &s->cwd, msg, len);
	else
		s->cwd = strdup(s->workspace);
	if (r < 0)
		return r;
	s->profile = jstr(req, "profile") ? strdup(jstr(req, "profile")) : NULL;
	s->home = jstr(req, "home") ? strdup(jstr(req, "home")) : NULL;
	s->project_root = jstr(req, "project_root") ? strdup(jstr(req, "project_root")) : NULL;
	s->real_paths = cJSON_IsBool(rp) ? cJSON_IsTrue(rp) : srv->cfg->sessions.real_paths;
	return fill_env(s, cJSON_GetObjectItemCaseSensitive(req, "env"), msg, len);
}

static struct session *find_locked(struct server *srv, const char *id)
{
	for (struct session *s = srv->sessions; s; s = s->next)
		if (strcmp(s->id, id) == 0)
			return s;
	return NULL;
}

static int insert(struct server *srv, struct session *s, char *msg, size_t len)
{
	int r = 0;

	pthread_mutex_lock(&srv->lock);
	if (find_locked(srv, s->id))
		r = -EEXIST, snprintf(msg, len, "session '%s' already exists", s->id);
	else if (sessions_count(srv) >= srv->cfg->sessions.max_sessions)
		r = -ENOSPC, snprintf(msg, len, "max_sessions (%ld) reached",
				      srv->cfg->sessions.max_sessions);
	if (r == 0) {
		s->next = srv->sessions;
		srv->sessions = s;
		s->refs = 2; /* the table's and the caller's */
		srv->m.sessions_created++;
	}
	pthread_mutex_unlock(&srv->lock);
	return r;
}

int sessions_create(struct server *srv, const cJSON *req, struct session **out, char *msg,
		    size_t msglen)
{
	struct session *s = calloc(1, sizeof(*s));
	const char *id = jstr(req, "id");
	int r;

	if (!s)
		return -ENOMEM;
	if (id && !srv_id_is_safe(id)) {
		free(s);
		return snprintf(msg, msglen, "invalid session id '%s'", id), -EINVAL;
	}
	if (id)
		snprintf(s->id, sizeof(s->id), "%s", id);
	else
		srv_new_id("session-", s->id, sizeof(s->id));
	s->created_ms = s->last_ms = srv_now_ms();
	r = session_fill(srv, s, req, msg, msglen);
	if (r == 0)
		r = insert(srv, s, msg, msglen);
	if (r < 0) {
		session_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int sessions_count(struct server *srv)
{
	int n = 0;

	for (struct session *s = srv->sessions; s; s = s->next)
		n++;
	return n;
}

struct session *sessions_get(struct server *srv, const char *id)
{
	struct session *s;

	pthread_mutex_lock(&srv->lock);
	s = find_locked(srv, id);
	if (s)
		s->refs++;
	pthread_mutex_unlock(&srv->lock);
	return s;
}

void session_put(struct server *srv, struct session *s)
{
	bool last;

	pthread_mutex_lock(&srv->lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&srv->lock);
	if (last)
		session_free(s);
}

static struct session *unlink_locked(struct server *srv, const char *id)
{
	for (struct session **pp = &srv->sessions; *pp; pp = &(*pp)->next) {
		struct session *s = *pp;

		if (strcmp(s->id, id) == 0) {
			*pp = s->next;
			s->destroyed = true;
			return s;
		}
	}
	return NULL;
}

int sessions_destroy(struct server *srv, const char *id)
{
	struct session *s;

	pthread_mutex_lock(&srv->lock);
	s = unlink_locked(srv, id);
	pthread_mutex_unlock(&srv->lock);
	if (!s)
		return -ENOENT;
	exec_kill(srv, id, NULL);
	session_put(srv, s);
	return 0;
}

static int update_unset(struct session *s, const cJSON *unset, char *msg, size_t len)
{
	const cJSON *e;

	if (unset && !cJSON_IsArray(unset))
		return snprintf(msg, len, "unset_env must be an array of names"), -EINVAL;
	cJSON_ArrayForEach(e, unset)
	{
		if (!cJSON_IsString(e))
			return snprintf(msg, len, "unset_env must be an array of names"), -EINVAL;
		strv_remove_key(&s->env, e->valuestring);
		strv_remove_key(&s->unset, e->valuestring);
		if (strv_push(&s->unset, e->valuestring) < 0)
			return -ENOMEM;
	}
	return 0;
}

int sessions_update(struct server *srv, struct session *s, const cJSON *req, char *msg,
		    size_t msglen)
{
	const char *cwd = jstr(req, "cwd");
	char *newcwd = NULL;
	int r = 0;

	if (cwd) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s%s%s", cwd[0] == '/' ? "" : s->cwd,
			 cwd[0] == '/' ? "" : "/", cwd);
		r = resolve_workspace(path, &newcwd, msg, msglen);
		if (r < 0)
			return r;
	}
	pthread_mutex_lock(&srv->lock);
	if (newcwd) {
		free(s->cwd);
		s->cwd = newcwd;
	}
	r = fill_env(s, cJSON_GetObjectItemCaseSensitive(req, "env"), msg, msglen);
	if (r == 0)
		r = fill_env(s, cJSON_GetObjectItemCaseSensitive(req, "set_env"), msg, msglen);
	if (r == 0)
		r = update_unset(s, cJSON_GetObjectItemCaseSensitive(req, "unset_env"), msg,
				 msglen);
	s->last_ms = srv_now_ms();
	pthread_mutex_unlock(&srv->lock);
	return r;
}

cJSON *sessions_list_json(struct server *srv)
{
	cJSON *a = cJSON_CreateArray();

	pthread_mutex_lock(&srv->lock);
	for (struct session *s = srv->sessions; s; s = s->next)
		cJSON_AddItemToArray(a, session_to_json(s));
	pthread_mutex_unlock(&srv->lock);
	return a;
}

static bool expired(const struct config *cfg, const struct session *s, long long now)
{
	long long t = cfg->sessions.default_timeout_ms, idle = cfg->sessions.default_idle_timeout_ms;

	if (s->running)
		return false;
	return (t > 0 && now - s->created_ms > t) || (idle > 0 && now - s->last_ms > idle);
}

void sessions_reap(struct server *srv)
{
	long long now = srv_now_ms();
	char ids[16][SRV_ID_LEN];
	size_t n = 0;

	pthread_mutex_lock(&srv->lock);
	for (struct session *s = srv->sessions; s && n < ARRAY_SIZE(ids); s = s->next)
		if (expired(srv->cfg, s, now))
			snprintf(ids[n++], SRV_ID_LEN, "%s", s->id);
	pthread_mutex_unlock(&srv->lock);
	for (size_t i = 0; i < n; i++) {
		log_info("session %s expired", ids[i]);
		sessions_destroy(srv, ids[i]);
	}
}
