/* The command's environment: the server's, filtered by policies.env_policy, then the
 * session's changes, then the request's env. */
#include "compat.h"
#include "config/config.h"
#include "internal.h"

#include <cjson/cJSON.h>
#include <fnmatch.h>
#include <stdio.h>

extern char **environ;

/* Used when env_policy has no allow list (compat.md §1 env_policy). */
static const char *const secret_deny[] = {
	"AWS_*",     "AZURE_*",       "GOOGLE_APPLICATION_CREDENTIALS", "GITHUB_TOKEN",
	"GH_TOKEN",  "GITLAB_TOKEN",  "NPM_TOKEN",    "OPENAI_API_KEY", "ANTHROPIC_API_KEY",
	"LD_*",      "DYLD_*",        "PYTHONPATH",   "PYTHONSTARTUP",  "NODE_OPTIONS",
	"BASH_ENV",  "ENV",           "PERL5OPT",     "RUBYOPT",        "*_SECRET*",
	"*_TOKEN",   "*_PASSWORD",    "*API_KEY*",    "AGENTSH_API_KEY",
};

static bool match_any(const char *name, char *const *globs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (fnmatch(globs[i], name, 0) == 0)
			return true;
	return false;
}

static bool env_allowed(const struct config *cfg, const char *name)
{
	const struct config_env_policy *p = &cfg->policies.env_policy;

	if (strcmp(name, "AGENTSH_API_KEY") == 0)
		return false;
	if (strncmp(name, "AGENTSH_", 8) == 0)
		return true;
	if (match_any(name, p->deny.v, p->deny.n))
		return false;
	if (p->allow.n)
		return match_any(name, p->allow.v, p->allow.n);
	return !match_any(name, (char *const *)secret_deny, ARRAY_SIZE(secret_deny));
}

static void put(struct strv *env, const char *kv)
{
	char key[256];
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : strlen(kv);

	if (n == 0 || n >= sizeof(key))
		return;
	memcpy(key, kv, n);
	key[n] = '\0';
	strv_remove_key(env, key);
	if (eq)
		strv_push(env, kv);
}

static void put_kv(struct strv *env, const char *k, const char *v)
{
	size_t n = strlen(k) + strlen(v) + 2;
	char *kv = malloc(n);

	if (!kv)
		return;
	snprintf(kv, n, "%s=%s", k, v);
	put(env, kv);
	free(kv);
}

char **env_build(struct server *srv, const struct session *s, const cJSON *req_env,
		 const char *command_id)
{
	struct strv env = { 0 };
	const cJSON *e;
	char name[256];

	for (char **p = environ; *p; p++) {
		const char *eq = strchr(*p, '=');
		size_t n = eq ? (size_t)(eq - *p) : 0;

		if (!eq || n >= sizeof(name))
			continue;
		memcpy(name, *p, n);
		name[n] = '\0';
		if (env_allowed(srv->cfg, name) && strncmp(name, "AGENTSH_", 8) != 0)
			strv_push(&env, *p);
	}
	for (size_t i = 0; i < s->unset.n; i++)
		strv_remove_key(&env, s->unset.v[i]);
	for (size_t i = 0; i < s->env.n; i++)
		put(&env, s->env.v[i]);
	cJSON_ArrayForEach(e, req_env)
		if (cJSON_IsString(e) && e->string[0] && !strchr(e->string, '='))
			put_kv(&env, e->string, e->valuestring);
	if (s->home)
		put_kv(&env, "HOME", s->home);
	put_kv(&env, "AGENTSH_SESSION_ID", s->id);
	put_kv(&env, "AGENTSH_COMMAND_ID", command_id);
	put_kv(&env, "AGENTSH_WORKSPACE", s->workspace);
	put_kv(&env, "AGENTSH_IN_SESSION", "1"); /* the shell shim's recursion guard */
	if (!env.v)
		strv_push(&env, "AGENTSH_EMPTY=1");
	return env.v;
}

void env_free(char **env)
{
	for (char **p = env; p && *p; p++)
		free(*p);
	free(env);
}
