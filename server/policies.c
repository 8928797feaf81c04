/* /api/v1/policies: list, show, create (POST), replace (PUT), delete and validate the
 * policy files of policies.dir. Every write is validated first and lands atomically
 * (temp file + rename); a load error answers 400 with FILE:LINE:COL. */
#include "compat.h"
#include "config/config.h"
#include "http.h"
#include "log.h"
#include "policy/policy.h"
#include "srv_policy.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void add_warning(void *ctx, const char *msg)
{
	cJSON_AddItemToArray(ctx, cJSON_CreateString(msg));
}

/* "FILE:LINE:COL: message" split into its parts (when it has them). */
static void error_parts(cJSON *j, const char *msg)
{
	const char *colon = strchr(msg, ':');
	char file[256], *end;
	long line, col;

	cJSON_AddStringToObject(j, "error", msg);
	if (!colon)
		return;
	line = strtol(colon + 1, &end, 10);
	if (line <= 0 || *end != ':')
		return;
	col = strtol(end + 1, &end, 10);
	snprintf(file, sizeof(file), "%.*s", (int)(colon - msg), msg);
	cJSON_AddStringToObject(j, "file", file);
	cJSON_AddNumberToObject(j, "line", (double)line);
	cJSON_AddNumberToObject(j, "column", (double)(*end == ':' ? col : 0));
}

int srv_policy_check_text(const char *name, const char *text, size_t len, cJSON **result)
{
	struct policy_vars vars = { .project_root = "/project", .git_root = "/project" };
	struct policy_opts opts = { .enforce_approvals = true, .enforce_redirects = true };
	struct policy_error err = { { 0 } };
	struct policy *p = NULL;
	char file[300];
	cJSON *j = cJSON_CreateObject(), *warnings;
	int r;

	snprintf(file, sizeof(file), "%s.yaml", name);
	r = memchr(text, '\0', len) ? -EINVAL : policy_load_buffer(file, text, len, &vars, &opts,
								  &p, &err);
	if (r < 0 && !err.message[0])
		snprintf(err.message, sizeof(err.message), "%s: %s", file,
			 memchr(text, '\0', len) ? "policy text contains a NUL byte" : strerror(-r));
	cJSON_AddBoolToObject(j, "valid", r == 0);
	cJSON_AddStringToObject(j, "name", r == 0 ? policy_name(p) : name);
	if (r == 0)
		cJSON_AddStringToObject(j, "description", policy_description(p));
	else
		error_parts(j, err.message);
	warnings = cJSON_AddArrayToObject(j, "warnings");
	if (p) {
		policy_for_each_warning(p, add_warning, warnings);
		if (strcmp(policy_name(p), name) != 0) {
			char w[600];

			snprintf(w, sizeof(w), "the policy calls itself '%s'; sessions name it '%s'",
				 policy_name(p), name);
			add_warning(warnings, w);
		}
	}
	policy_free(p);
	*result = j;
	return r;
}

static bool name_ok(const char *name)
{
	return name && srv_id_is_safe(name) && name[0] != '.';
}

static enum MHD_Result bad_name(struct hreq *r, const char *name)
{
	return http_send_error(r->conn, 400, "E_INVALID_REQUEST",
			       "invalid policy name '%s' (letters, digits, '-', '_', '.')",
			       name ? name : "");
}

static enum MHD_Result not_found(struct hreq *r, const char *name)
{
	return http_send_error(r->conn, 404, "E_POLICY_NOT_FOUND", "no policy '%s' in %s", name,
			       r->srv->cfg->policies.dir);
}

static cJSON *read_file(const char *path, size_t max)
{
	FILE *f = fopen(path, "re");
	char *buf = f ? malloc(max + 1) : NULL;
	size_t n = buf ? fread(buf, 1, max, f) : 0;
	cJSON *s;

	if (f)
		fclose(f);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	s = cJSON_CreateString(buf);
	free(buf);
	return s;
}

static enum MHD_Result policy_get(struct hreq *r)
{
	char path[PATH_MAX];
	cJSON *j, *content, *check = NULL;

	if (!name_ok(r->params[0]))
		return bad_name(r, r->params[0]);
	if (policy_find(r->srv->cfg->policies.dir, r->params[0], path, sizeof(path)) < 0)
		return not_found(r, r->params[0]);
	content = read_file(path, (size_t)r->srv->cfg->server.http.max_request_size);
	if (!content)
		return http_send_error(r->conn, 500, "E_INTERNAL", "cannot read %s", path);
	srv_policy_check_text(r->params[0], content->valuestring, strlen(content->valuestring),
			      &check);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", r->params[0]);
	cJSON_AddStringToObject(j, "file", path);
	cJSON_AddItemToObject(j, "content", content);
	cJSON_AddItemToObject(j, "validation", check);
	return http_send_json(r->conn, 200, j);
}

static void list_one(cJSON *a, const char *dir, const char *file)
{
	char path[PATH_MAX], name[256];
	cJSON *content, *check = NULL, *e;

	snprintf(name, sizeof(name), "%.*s", (int)(strrchr(file, '.') - file), file);
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	content = read_file(path, 1u << 20);
	if (!content)
		return;
	srv_policy_check_text(name, content->valuestring, strlen(content->valuestring), &check);
	cJSON_Delete(content);
	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "name", name);
	cJSON_AddStringToObject(e, "file", path);
	cJSON_AddStringToObject(e, "description", jstr(check, "description") ?: "");
	cJSON_AddBoolToObject(e, "valid", cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(check, "valid")));
	if (jstr(check, "error"))
		cJSON_AddStringToObject(e, "error", jstr(check, "error"));
	cJSON_Delete(check);
	cJSON_AddItemToArray(a, e);
}

static bool is_policy_file(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && ((len > 5 && strcmp(n + len - 5, ".yaml") == 0) ||
			       (len > 4 && strcmp(n + len - 4, ".yml") == 0));
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(*(cJSON *const *)a, "name")),
		      cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(*(cJSON *const *)b, "name")));
}

static cJSON *sorted(cJSON *a)
{
	int n = cJSON_GetArraySize(a);
	cJSON **v = calloc((size_t)n + 1, sizeof(*v)), *out = cJSON_CreateArray();

	for (int i = 0; v && i < n; i++)
		v[i] = cJSON_DetachItemFromArray(a, 0);
	if (v)
		qsort(v, (size_t)n, sizeof(*v), cmp_name);
	for (int i = 0; v && i < n; i++)
		cJSON_AddItemToArray(out, v[i]);
	free(v);
	cJSON_Delete(a);
	return out;
}

static enum MHD_Result policy_list(struct hreq *r)
{
	const char *dir = r->srv->cfg->policies.dir;
	DIR *d = opendir(dir);
	cJSON *a = cJSON_CreateArray(), *j;
	struct dirent *e;

	while (d && (e = readdir(d)) && cJSON_GetArraySize(a) < 10000)
		if (is_policy_file(e->d_name))
			list_one(a, dir, e->d_name);
	if (d)
		closedir(d);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "dir", dir);
	cJSON_AddNumberToObject(j, "count", cJSON_GetArraySize(a));
	cJSON_AddItemToObject(j, "policies", sorted(a));
	return http_send_json(r->conn, 200, j);
}

/* Policies are signed or pinned by a manifest: the API cannot write them. */
static bool writes_refused(const struct config *cfg)
{
	const char *mode = cfg->policies.signing.mode;

	return (mode && strcmp(mode, "enforce") == 0) ||
	       (cfg->policies.manifest_path && *cfg->policies.manifest_path);
}

static int write_atomic(const char *dir, const char *name, const char *text)
{
	char tmp[PATH_MAX], path[PATH_MAX];
	size_t len = strlen(text);
	int fd, r = 0;

	snprintf(path, sizeof(path), "%s/%s.yaml", dir, name);
	snprintf(tmp, sizeof(tmp), "%s/.%s.yaml.XXXXXX", dir, name);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) < 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) < 0)
		r = -errno ? -errno : -EIO;
	close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
	return r;
}

static void emit(struct server *srv, const char *type, const char *name)
{
	cJSON *ev = cJSON_CreateObject(), *f;

	cJSON_AddStringToObject(ev, "type", type);
	cJSON_AddStringToObject(ev, "source", "server");
	f = cJSON_AddObjectToObject(ev, "fields");
	cJSON_AddStringToObject(f, "policy_name", name);
	events_emit(srv, ev);
	cJSON_Delete(ev);
}

/* POST (create) and PUT (create or replace). */
static enum MHD_Result policy_write(struct hreq *r, const char *name, bool replace)
{
	const char *content = jstr(r->json, "content");
	char path[PATH_MAX];
	cJSON *check = NULL;
	bool exists;
	int err;

	if (!name_ok(name))
		return bad_name(r, name);
	if (!content)
		return http_send_error(r->conn, 400, "E_INVALID_REQUEST",
				       "content (the policy YAML text) is required");
	if (writes_refused(r->srv->cfg))
		return http_send_error(r->conn, 403, "E_POLICY_SIGNED",
				       "policies are signed or pinned by policies.manifest_path: "
				       "change them offline and sign them");
	exists = policy_find(r->srv->cfg->policies.dir, name, path, sizeof(path)) == 0;
	if (exists && !replace)
		return http_send_error(r->conn, 409, "E_POLICY_EXISTS",
				       "policy '%s' already exists (PUT replaces it)", name);
	if (srv_policy_check_text(name, content, strlen(content), &check) < 0) {
		cJSON_AddStringToObject(check, "code", "E_POLICY_INVALID");
		cJSON_AddNumberToObject(check, "status", 400);
		return http_send_json(r->conn, 400, check);
	}
	err = write_atomic(r->srv->cfg->policies.dir, name, content);
	if (err < 0) {
		cJSON_Delete(check);
		return http_send_error(r->conn, 500, "E_INTERNAL", "cannot write policy %s: %s",
				       name, strerror(-err));
	}
	/* a .yml or bare file of the same name would shadow or be shadowed: keep one */
	if (exists && strcmp(path + strlen(path) - 5, ".yaml") != 0)
		unlink(path);
	emit(r->srv, exists ? "policy_updated" : "policy_created", name);
	cJSON_DeleteItemFromObjectCaseSensitive(check, "valid");
	cJSON_ReplaceItemInObjectCaseSensitive(check, "name", cJSON_CreateString(name));
	snprintf(path, sizeof(path), "%s/%s.yaml", r->srv->cfg->policies.dir, name);
	cJSON_AddStringToObject(check, "file", path);
	return http_send_json(r->conn, exists ? 200 : 201, check);
}

static enum MHD_Result policy_create(struct hreq *r)
{
	return policy_write(r, jstr(r->json, "name"), false);
}

static enum MHD_Result policy_replace(struct hreq *r)
{
	const char *n = jstr(r->json, "name");

	if (n && strcmp(n, r->params[0]) != 0)
		return http_send_error(r->conn, 400, "E_INVALID_REQUEST",
				       "the body's name '%s' differs from the URL's '%s'", n,
				       r->params[0]);
	return policy_write(r, r->params[0], true);
}

static bool policy_in_use(struct server *srv, const char *name)
{
	bool used = false;

	pthread_mutex_lock(&srv->lock);
	for (struct session *s = srv->sessions; s && !used; s = s->next)
		used = strcmp(s->policy, name) == 0;
	pthread_mutex_unlock(&srv->lock);
	return used;
}

static enum MHD_Result policy_delete(struct hreq *r)
{
	const char *name = r->params[0];
	char path[PATH_MAX];
	cJSON *j;

	if (!name_ok(name))
		return bad_name(r, name);
	if (policy_find(r->srv->cfg->policies.dir, name, path, sizeof(path)) < 0)
		return not_found(r, name);
	if (writes_refused(r->srv->cfg))
		return http_send_error(r->conn, 403, "E_POLICY_SIGNED",
				       "policies are signed or pinned by a manifest: remove it offline");
	if (strcmp(name, r->srv->cfg->policies.default_name) == 0 || policy_in_use(r->srv, name))
		return http_send_error(r->conn, 409, "E_POLICY_IN_USE",
				       "policy '%s' is the default or used by a session", name);
	if (unlink(path) < 0)
		return http_send_error(r->conn, 500, "E_INTERNAL", "cannot delete %s: %s", path,
				       strerror(errno));
	emit(r->srv, "policy_deleted", name);
	j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "name", name);
	cJSON_AddBoolToObject(j, "deleted", true);
	return http_send_json(r->conn, 200, j);
}

/* {content[, name]} -> 200 {valid, name, error, file, line, column, warnings}. */
static enum MHD_Result policy_validate(struct hreq *r)
{
	const char *content = jstr(r->json, "content"), *name = jstr(r->json, "name");
	cJSON *check = NULL;

	if (!content)
		return http_send_error(r->conn, 400, "E_INVALID_REQUEST",
				       "content (the policy YAML text) is required");
	if (name && !name_ok(name))
		return bad_name(r, name);
	srv_policy_check_text(name ? name : "policy", content, strlen(content), &check);
	return http_send_json(r->conn, 200, check);
}

const struct route policy_routes[] = {
	{ "GET", "/api/v1/policies", policy_list, false },
	{ "POST", "/api/v1/policies", policy_create, true },
	{ "POST", "/api/v1/policies/validate", policy_validate, true },
	{ "GET", "/api/v1/policies/{name}", policy_get, false },
	{ "PUT", "/api/v1/policies/{name}", policy_replace, true },
	{ "DELETE", "/api/v1/policies/{name}", policy_delete, false },
	{ "POST", "/api/v1/policy/test", api_policy_test, true },
	{ "POST", "/api/v1/sessions/{id}/wrap-init", api_wrap_init, true },
};

const size_t policy_nroutes = ARRAY_SIZE(policy_routes);
