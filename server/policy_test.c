/* Policies the server evaluates itself: POST /api/v1/policy/test (the semantics of
 * `agentsh policy test`), the submit-time exec check, POST /sessions/{id}/wrap-init. */
#include "compat.h"
#include "config/config.h"
#include "http.h"
#include "log.h"
#include "shellwords.h"
#include "policy/policy.h"
#include "srv_policy.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>

#define MAX_WORDS 1024

static const char *jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void warn_ignore(void *ctx, const char *msg)
{
}

static int load_path(struct server *srv, const char *path, const struct policy_vars *vars,
		     struct policy **out, struct policy_error *err)
{
	const struct config *cfg = srv->cfg;
	struct policy_opts opts = { .enforce_approvals = cfg->approvals.enabled,
				    .enforce_redirects = true,
				    .execve_enforced = true };
	struct policy_checks checks = { .manifest_path = cfg->policies.manifest_path,
					.trust_store = cfg->policies.signing.trust_store,
					.signing_mode = cfg->policies.signing.mode,
					.warn = warn_ignore };

	return policy_load_verified(path, &checks, vars, &opts, out, err);
}

int srv_policy_load(struct server *srv, const char *name, const char *workspace,
		    struct policy **out, char *msg, size_t msglen)
{
	struct policy_vars vars = { .project_root = workspace, .git_root = workspace };
	struct policy_error err = { { 0 } };
	char path[PATH_MAX];
	int r;

	if (policy_find(srv->cfg->policies.dir, name, path, sizeof(path)) < 0) {
		snprintf(msg, msglen, "policy '%s' not found in %s", name, srv->cfg->policies.dir);
		return -ENOENT;
	}
	r = load_path(srv, path, &vars, out, &err);
	if (r < 0)
		snprintf(msg, msglen, "%s", err.message[0] ? err.message : strerror(-r));
	return r;
}

static void add_policy(cJSON *ev, const struct verdict *v)
{
	cJSON *p = cJSON_AddObjectToObject(ev, "policy");

	cJSON_AddStringToObject(p, "decision", decision_name(v->decision));
	cJSON_AddStringToObject(p, "effective_decision", decision_name(v->effective));
	cJSON_AddStringToObject(p, "rule", v->rule);
	cJSON_AddStringToObject(p, "message", v->message);
}

static cJSON *deny_event(const struct session *s, const char *command, const cJSON *args,
			 const struct verdict *v)
{
	cJSON *ev = cJSON_CreateObject(), *f;

	cJSON_AddStringToObject(ev, "type", "command_policy");
	cJSON_AddStringToObject(ev, "session_id", s->id);
	cJSON_AddStringToObject(ev, "source", "server");
	cJSON_AddStringToObject(ev, "operation", "command_precheck");
	cJSON_AddStringToObject(ev, "filename", command);
	cJSON_AddNumberToObject(ev, "depth", 0);
	add_policy(ev, v);
	f = cJSON_AddObjectToObject(ev, "fields");
	cJSON_AddStringToObject(f, "command", command);
	cJSON_AddItemToObject(f, "args", args ? cJSON_Duplicate(args, 1) : cJSON_CreateArray());
	return ev;
}

cJSON *srv_policy_precheck(struct server *srv, const struct session *s, const char *command,
			   const cJSON *args, struct policy_limits *limits,
			   struct policy_audit *audit, int *err, char *msg, size_t msglen)
{
	const char *argv[MAX_WORDS + 1] = { command };
	struct exec_query q = { .filename = command, .argv = argv, .submit = true };
	struct policy *p = NULL;
	struct verdict *v;
	const cJSON *a;
	cJSON *ev = NULL;

	*err = srv_policy_load(srv, s->policy, s->workspace, &p, msg, msglen);
	if (*err < 0)
		return NULL;
	q.argc = 1;
	cJSON_ArrayForEach(a, args)
		if (cJSON_IsString(a) && q.argc < MAX_WORDS)
			argv[q.argc++] = a->valuestring;
	v = malloc(sizeof(*v));
	if (!v) {
		policy_free(p);
		*err = -ENOMEM;
		return NULL;
	}
	policy_decide_exec(p, &q, v);
	if (v->effective == DECISION_DENY)
		ev = deny_event(s, command, args, v);
	if (limits)
		policy_get_limits(p, limits);
	if (audit)
		policy_get_audit(p, audit);
	free(v);
	policy_free(p);
	return ev;
}

static const char *test_exec(const struct policy *p, const cJSON *req, struct verdict *v)
{
	const char *exec = jstr(req, "exec");
	const cJSON *argv = cJSON_GetObjectItemCaseSensitive(req, "argv"), *e;
	const cJSON *depth = cJSON_GetObjectItemCaseSensitive(req, "depth");
	const char *words[MAX_WORDS + 1];
	char *buf = exec ? strdup(exec) : NULL, file[PATH_MAX];
	struct exec_query q = { .argv = words, .submit = !depth };
	int n = 0;

	if (depth && (!cJSON_IsNumber(depth) || depth->valuedouble < 0 || depth->valuedouble > 1000))
		return free(buf), "depth must be a number from 0 to 1000";
	if (exec)
		n = buf ? shell_split(exec, buf, words, MAX_WORDS) : -1;
	else
		cJSON_ArrayForEach(e, argv)
			if (!cJSON_IsString(e) || n == MAX_WORDS)
				return "argv must be an array of at most 1024 strings";
			else
				words[n++] = e->valuestring;
	if (n <= 0) {
		free(buf);
		return "exec: empty command or unterminated quote";
	}
	words[n] = NULL;
	q.argc = n;
	q.depth = depth ? depth->valueint : 0;
	if (!q.submit)
		exec_filename(words[0], file, sizeof(file));
	q.filename = q.submit ? words[0] : file;
	policy_decide_exec(p, &q, v);
	free(buf);
	return NULL;
}

static const char *test_file(const struct policy *p, const cJSON *req, const char *root,
			     struct verdict *v)
{
	const char *file = jstr(req, "file"), *op = jstr(req, "op");
	char ops_buf[256], path[PATH_MAX], *save = NULL;
	unsigned ops = 0;

	if (!op)
		return "file needs op (read, write, create, delete, ...)";
	snprintf(ops_buf, sizeof(ops_buf), "%s", op);
	for (char *t = strtok_r(ops_buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		unsigned bit = strcmp(t, "*") == 0 ? FOP_ALL : file_op_parse(t);

		if (!bit)
			return "op: unknown file operation";
		ops |= bit;
	}
	snprintf(path, sizeof(path), "%s%s%s", file[0] == '/' ? "" : root,
		 file[0] == '/' ? "" : "/", file);
	policy_decide_file(p, path, ops, v);
	return NULL;
}

static const char *test_connect(const struct policy *p, const cJSON *req, struct verdict *v)
{
	const char *hp = jstr(req, "connect"), *colon = strrchr(hp, ':');
	char host[1024], ip[INET6_ADDRSTRLEN] = "", *end;
	unsigned char tmp[16];
	struct net_query q = { .operation = "connect" };
	long port = colon ? strtol(colon + 1, &end, 10) : -1;

	if (!colon || !colon[1] || *end || port < 0 || port > 65535)
		return "connect: expected HOST:PORT";
	snprintf(host, sizeof(host), "%.*s", (int)(colon - hp), hp);
	if (host[0] == '[' && strlen(host) > 1 && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	q.port = (int)port;
	if (inet_pton(AF_INET, host, tmp) == 1 || inet_pton(AF_INET6, host, tmp) == 1) {
		q.ip = host;
	} else {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res = NULL;

		q.domain = host;
		if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "no_resolve")) &&
		    getaddrinfo(host, NULL, &hints, &res) == 0 && res) {
			const void *a = res->ai_family == AF_INET
						? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
						: (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;

			if (inet_ntop(res->ai_family, a, ip, sizeof(ip)))
				q.ip = ip;
		}
		if (res)
			freeaddrinfo(res);
	}
	policy_decide_network(p, &q, v);
	return NULL;
}

static const char *test_signal(const struct policy *p, const cJSON *req, struct verdict *v)
{
	const cJSON *pid = cJSON_GetObjectItemCaseSensitive(req, "target_pid");
	struct signal_query q = { .sig = policy_signal_parse(jstr(req, "signal")),
				  .target_comm = jstr(req, "target_comm"),
				  .target_pid = cJSON_IsNumber(pid) ? (pid_t)pid->valueint : 0 };

	if (!q.sig)
		return "signal: unknown signal";
	if (!jstr(req, "target") || !(q.relations = sig_rel_parse(jstr(req, "target"))))
		return "signal needs target self|children|descendants|siblings|session|parent|"
		       "external|system|user";
	if (q.relations & SIGREL_CHILDREN)
		q.relations |= SIGREL_DESCENDANTS;
	policy_decide_signal(p, &q, v);
	return NULL;
}

static const char *decide(const struct policy *p, const cJSON *req, const char *root,
			  struct verdict *v)
{
	const char *unix_path = jstr(req, "unix");
	int kinds = !!jstr(req, "exec") + !!cJSON_GetObjectItemCaseSensitive(req, "argv") +
		    !!jstr(req, "file") + !!jstr(req, "connect") + !!unix_path + !!jstr(req, "signal");

	if (kinds != 1)
		return "give exactly one of exec, argv, file (+op), connect, unix (+op), "
		       "signal (+target)";
	if (jstr(req, "exec") || cJSON_GetObjectItemCaseSensitive(req, "argv"))
		return test_exec(p, req, v);
	if (jstr(req, "file"))
		return test_file(p, req, root, v);
	if (jstr(req, "connect"))
		return test_connect(p, req, v);
	if (unix_path) {
		policy_decide_unix(p, unix_path, jstr(req, "op") ? jstr(req, "op") : "connect", v);
		return NULL;
	}
	return test_signal(p, req, v);
}

static cJSON *verdict_json(const struct verdict *v)
{
	cJSON *j = cJSON_CreateObject();

	cJSON_AddStringToObject(j, "decision", decision_name(v->decision));
	cJSON_AddStringToObject(j, "effective_decision", decision_name(v->effective));
	cJSON_AddStringToObject(j, "rule", v->rule);
	cJSON_AddStringToObject(j, "message", v->message);
	if (v->redirect_path[0])
		cJSON_AddStringToObject(j, "redirect", v->redirect_path);
	if (v->exec_redirect)
		cJSON_AddStringToObject(j, "redirect", v->exec_redirect->command);
	if (v->unwrapped_from[0]) {
		cJSON_AddStringToObject(j, "unwrapped_from", v->unwrapped_from);
		cJSON_AddStringToObject(j, "payload_command", v->payload_command);
	}
	return j;
}

static int load_for_test(struct hreq *r, const char *root, struct policy **p, char *msg,
			 size_t len)
{
	const char *name = jstr(r->json, "policy"), *content = jstr(r->json, "content");
	struct policy_vars vars = { .project_root = root, .git_root = root };
	struct policy_opts opts = { .enforce_approvals = true, .enforce_redirects = true };
	struct policy_error err = { { 0 } };
	int rc;

	if (!!name == !!content)
		return snprintf(msg, len, "give policy (a name in policies.dir) or content"), -EINVAL;
	if (name)
		return srv_policy_load(r->srv, name, root, p, msg, len);
	rc = policy_load_buffer("content", content, strlen(content), &vars, &opts, p, &err);
	if (rc < 0)
		snprintf(msg, len, "%s", err.message[0] ? err.message : strerror(-rc));
	return rc;
}

enum MHD_Result api_policy_test(struct hreq *r)
{
	char cwd[PATH_MAX], msg[1024] = "";
	const char *root = jstr(r->json, "project_root"), *bad;
	struct policy *p = NULL;
	struct verdict *v;
	cJSON *j;
	int rc;

	if (!root)
		root = getcwd(cwd, sizeof(cwd)) ? cwd : "/";
	rc = load_for_test(r, root, &p, msg, sizeof(msg));
	if (rc < 0)
		return http_send_error(r->conn, rc == -ENOENT ? 404 : 400,
				       rc == -ENOENT ? "E_POLICY_NOT_FOUND" : "E_POLICY_INVALID",
				       "%s", msg);
	v = calloc(1, sizeof(*v));
	bad = v ? decide(p, r->json, root, v) : "out of memory";
	j = bad ? NULL : verdict_json(v); /* the rule name lives in the policy */
	policy_free(p);
	free(v);
	if (bad)
		return http_send_error(r->conn, 400, "E_INVALID_REQUEST", "%s", bad);
	return http_send_json(r->conn, 200, j);
}

static cJSON *strv_json(char *const *v, size_t n)
{
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
	return a;
}

/* What a client needs to run its own command under this session's policy: the wrap
 * command line (ptrace mode; no seccomp wrapper or notify socket in this build). */
static cJSON *wrap_init_json(struct server *srv, const struct session *s)
{
	const struct config *cfg = srv->cfg;
	cJSON *j = cJSON_CreateObject(), *args, *env, *ep;

	cJSON_AddBoolToObject(j, "ptrace_mode", true);
	cJSON_AddBoolToObject(j, "safe_to_bypass_shell_shim", false);
	cJSON_AddStringToObject(j, "wrapper_binary", srv->self_exe);
	args = cJSON_AddArrayToObject(j, "wrapper_args");
	cJSON_AddItemToArray(args, cJSON_CreateString("wrap"));
	if (srv->config_path) {
		cJSON_AddItemToArray(args, cJSON_CreateString("--config"));
		cJSON_AddItemToArray(args, cJSON_CreateString(srv->config_path));
	}
	const char *kv[][2] = { { "--policy", s->policy },	  { "--policy-dir", cfg->policies.dir },
				{ "--session-id", s->id },	  { "--workspace", s->workspace } };
	for (size_t i = 0; i < ARRAY_SIZE(kv); i++) {
		cJSON_AddItemToArray(args, cJSON_CreateString(kv[i][0]));
		cJSON_AddItemToArray(args, cJSON_CreateString(kv[i][1]));
	}
	cJSON_AddItemToArray(args, cJSON_CreateString("--"));
	cJSON_AddStringToObject(j, "seccomp_config", "");
	cJSON_AddStringToObject(j, "notify_socket", "");
	env = cJSON_AddObjectToObject(j, "wrapper_env");
	cJSON_AddStringToObject(env, "AGENTSH_SESSION_ID", s->id);
	cJSON_AddStringToObject(env, "AGENTSH_IN_SESSION", "1");
	cJSON_AddStringToObject(env, "AGENTSH_WORKSPACE", s->workspace);
	ep = cJSON_AddObjectToObject(j, "env_policy");
	cJSON_AddItemToObject(ep, "allow", strv_json(cfg->policies.env_policy.allow.v,
						     cfg->policies.env_policy.allow.n));
	cJSON_AddItemToObject(ep, "deny", strv_json(cfg->policies.env_policy.deny.v,
						    cfg->policies.env_policy.deny.n));
	return j;
}

/* {agent_command, agent_args[], caller_uid, mode}: the agent command gets the submit-time
 * check (403 when denied), then the wrap configuration. */
enum MHD_Result api_wrap_init(struct hreq *r)
{
	struct session *s = sessions_get(r->srv, r->params[0]);
	const char *cmd = jstr(r->json, "agent_command"), *mode = jstr(r->json, "mode");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(r->json, "agent_args");
	char msg[1024] = "";
	cJSON *denied, *j;
	int err = 0;

	if (!s)
		return http_send_error(r->conn, 404, "E_SESSION_NOT_FOUND", "no such session: %s",
				       r->params[0]);
	if (!cmd || !*cmd || (args && !cJSON_IsArray(args)) ||
	    (mode && strcmp(mode, "agent") && strcmp(mode, "shim"))) {
		session_put(r->srv, s);
		return http_send_error(r->conn, 400, "E_INVALID_REQUEST",
				       "agent_command is required; agent_args is an array of "
				       "strings; mode is agent or shim");
	}
	denied = srv_policy_precheck(r->srv, s, cmd, args, NULL, NULL, &err, msg, sizeof(msg));
	if (err < 0 || denied) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(denied, "policy");
		enum MHD_Result res;

		session_put(r->srv, s);
		if (err < 0)
			return http_send_error(r->conn, 500, "E_POLICY_INVALID", "%s", msg);
		events_emit(r->srv, denied);
		res = http_send_error(r->conn, 403, "E_POLICY_DENIED",
				      "%s is denied by policy rule '%s'%s%s", cmd, jstr(p, "rule"),
				      *jstr(p, "message") ? ": " : "", jstr(p, "message"));
		cJSON_Delete(denied);
		return res;
	}
	j = wrap_init_json(r->srv, s);
	denied = cJSON_CreateObject();
	cJSON_AddStringToObject(denied, "type", "wrap_init");
	cJSON_AddStringToObject(denied, "session_id", s->id);
	cJSON_AddStringToObject(denied, "source", "server");
	cJSON_AddItemToObject(cJSON_AddObjectToObject(denied, "fields"), "agent_command",
			      cJSON_CreateString(cmd));
	events_emit(r->srv, denied);
	cJSON_Delete(denied);
	session_put(r->srv, s);
	return http_send_json(r->conn, 200, j);
}
