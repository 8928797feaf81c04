/*
 * env_policy: the environment a command is started with. Deny patterns first;
 * with no allow list a built-in list of secrets and loader/interpreter
 * injection variables is denied and the rest passes; with an allow list only
 * listed names pass. AGENTSH_* always passes; env_inject is added last.
 */
#include "compat.h"
#include "glob.h"
#include "internal.h"

#include <stdio.h>

static const char *const secret_deny[] = {
    "AWS_*",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "GCP_SERVICE_ACCOUNT",
    "AZURE_CLIENT_SECRET",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_SUBSCRIPTION_ID",
    "SSH_AUTH_SOCK",
    "SSH_AGENT_PID",
    "DOCKER_HOST",
    "DOCKER_TLS_VERIFY",
    "KUBECONFIG",
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "LD_*",
    "DYLD_*",
    "PYTHONPATH",
    "PYTHONSTARTUP",
    "NODE_OPTIONS",
    "BASH_ENV",
    "ENV",
    "PERL5OPT",
    "PERL5LIB",
    "RUBYOPT",
    "RUBYLIB",
    NULL,
};

/* The effective lists and limits: policy env_policy, with a rule's env_* overriding. */
struct env_view {
	const struct strlist *allow, *deny;
	struct glob *const *allow_g, *const *deny_g;
	long max_bytes, max_keys;
};

static void env_view_init(const struct policy *p, const struct verdict *v, struct env_view *e)
{
	const struct env_policy_raw *g = &p->env_policy;
	const struct command_rule *r = v ? v->command_rule : NULL;

	*e = (struct env_view){&g->allow, &g->deny,	g->allow_g,
			       g->deny_g, g->max_bytes, g->max_keys};
	if (!r)
		return;
	if (r->env_allow.n)
		e->allow = &r->env_allow, e->allow_g = r->env_allow_g;
	if (r->env_deny.n)
		e->deny = &r->env_deny, e->deny_g = r->env_deny_g;
	if (r->env_max_bytes > 0)
		e->max_bytes = r->env_max_bytes;
	if (r->env_max_keys > 0)
		e->max_keys = r->env_max_keys;
}

static bool any_glob(const struct strlist *l, struct glob *const *g, const char *k, size_t n)
{
	for (size_t i = 0; i < l->n; i++)
		if (policy_glob_match(g[i], k, n))
			return true;
	return false;
}

static bool secret(const char *k, size_t n)
{
	for (size_t i = 0; secret_deny[i]; i++) {
		size_t m = strlen(secret_deny[i]);

		if (secret_deny[i][m - 1] == '*'
			? (n >= m - 1 && memcmp(k, secret_deny[i], m - 1) == 0)
			: (n == m && memcmp(k, secret_deny[i], n) == 0))
			return true;
	}
	return false;
}

static bool env_passes(const struct env_view *e, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t n = eq ? (size_t)(eq - kv) : strlen(kv);

	if (n == 0)
		return false;
	if (n >= 8 && memcmp(kv, "AGENTSH_", 8) == 0)
		return true;
	if (any_glob(e->deny, e->deny_g, kv, n))
		return false;
	if (!e->allow->n)
		return !secret(kv, n);
	return any_glob(e->allow, e->allow_g, kv, n);
}

void policy_env_free(char **env)
{
	for (size_t i = 0; env && env[i]; i++)
		free(env[i]);
	free(env);
}

/* Sets (or replaces) KEY=VALUE in env[0..*n). */
static int env_set(char **env, size_t *n, const char *kv)
{
	size_t klen = strcspn(kv, "=");
	char *dup = strdup(kv);

	if (!dup)
		return -ENOMEM;
	for (size_t i = 0; i < *n; i++)
		if (strncmp(env[i], kv, klen) == 0 && env[i][klen] == '=') {
			free(env[i]);
			env[i] = dup;
			return 0;
		}
	env[(*n)++] = dup;
	return 0;
}

static int check_limits(const struct env_view *e, char **env, size_t n, struct policy_error *err)
{
	size_t bytes = 0;

	for (size_t i = 0; i < n; i++)
		bytes += strlen(env[i]) + 1;
	if (e->max_keys > 0 && n > (size_t)e->max_keys) {
		if (err)
			snprintf(err->message, sizeof(err->message),
				 "env exceeds max_keys (%ld): %zu variables", e->max_keys, n);
		return -E2BIG;
	}
	if (e->max_bytes > 0 && bytes > (size_t)e->max_bytes) {
		if (err)
			snprintf(err->message, sizeof(err->message),
				 "env exceeds max_bytes (%ld): %zu bytes", e->max_bytes, bytes);
		return -E2BIG;
	}
	return 0;
}

int policy_build_env(const struct policy *p, const struct verdict *v, char *const envp[],
		     char ***out, struct policy_error *err)
{
	struct env_view e;
	size_t cap = p->env_inject.n + 1, n = 0;
	char **env;
	int r = 0;

	*out = NULL;
	env_view_init(p, v, &e);
	for (size_t i = 0; envp && envp[i]; i++)
		cap++;
	if (!(env = calloc(cap, sizeof(*env))))
		return -ENOMEM;
	for (size_t i = 0; r == 0 && envp && envp[i]; i++)
		if (strchr(envp[i], '=') && env_passes(&e, envp[i]))
			r = env_set(env, &n, envp[i]);
	for (size_t i = 0; r == 0 && i < p->env_inject.n; i++)
		r = env_set(env, &n, p->env_inject.v[i]);
	if (r == 0)
		r = check_limits(&e, env, n, err);
	if (r < 0) {
		policy_env_free(env);
		return r;
	}
	*out = env;
	return 0;
}
