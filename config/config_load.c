/* config_load: read, env-expand, parse, apply env overrides, resolve and validate. */
#include "compat.h"
#include "config.h"
#include "config_schema.h"

#include <stdio.h>

static char *read_file(const char *path, int *r)
{
	FILE *f = fopen(path, "re");
	char *text = NULL;
	size_t len = 0;

	if (!f) {
		*r = -errno;
		return NULL;
	}
	FILE *mem = open_memstream(&text, &len);
	char chunk[8192];
	size_t n;

	while (mem && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	*r = ferror(f) ? -EIO : 0;
	fclose(f);
	if (mem)
		fclose(mem);
	else
		*r = -ENOMEM;
	return text;
}

static char *dir_of(const char *path)
{
	char *d = strdup(path);
	char *slash = d ? strrchr(d, '/') : NULL;

	if (slash && slash != d)
		*slash = '\0';
	else if (d) {
		free(d);
		d = strdup(slash ? "/" : ".");
	}
	return d;
}

static char *join2(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

/* policies.dir: relative to the config file; default beside it, else ~/.config/agentsh/policies. */
static void resolve_policy_dir(struct config *cfg)
{
	char *base = cfg->path ? dir_of(cfg->path) : NULL;
	const char *home = getenv("HOME");
	char *dir = NULL;

	if (cfg->policies.dir && cfg->policies.dir[0] != '/' && base)
		dir = join2(base, cfg->policies.dir);
	else if (!cfg->policies.dir && base)
		dir = join2(base, "policies");
	else if (!cfg->policies.dir)
		dir = join2(home && *home ? home : "/tmp", ".config/agentsh/policies");
	if (dir) {
		free(cfg->policies.dir);
		cfg->policies.dir = dir;
	}
	free(base);
}

static int validate(struct config *cfg, char *err)
{
	const struct config_ptrace *p = &cfg->sandbox.ptrace;
	const char *f = cfg->path ? cfg->path : "config";

	if (p->performance.max_hold_ms <= 0)
		return snprintf(err, CONFIG_ERR_LEN,
				"%s: sandbox.ptrace.performance.max_hold_ms must be > 0", f),
		       -EINVAL;
	if (p->performance.max_tracees <= 0)
		return snprintf(err, CONFIG_ERR_LEN,
				"%s: sandbox.ptrace.performance.max_tracees must be > 0", f),
		       -EINVAL;
	if (strcmp(p->attach_mode, "pid") == 0 && p->target_pid <= 0 &&
	    !(p->target_pid_file && *p->target_pid_file))
		return snprintf(err, CONFIG_ERR_LEN,
				"%s: sandbox.ptrace.attach_mode pid needs target_pid or "
				"target_pid_file",
				f),
		       -EINVAL;
	if (cfg->sessions.max_sessions <= 0)
		return snprintf(err, CONFIG_ERR_LEN, "%s: sessions.max_sessions must be > 0", f),
		       -EINVAL;
	return 0;
}

static void env_overrides(struct config *cfg)
{
	const char *addr = getenv("AGENTSH_HTTP_ADDR");

	if (addr && *addr) {
		free(cfg->server.http.addr);
		cfg->server.http.addr = strdup(addr);
	}
}

static int load_file(const char *path, struct config *cfg, char *err)
{
	char *text, *expanded;
	int r;

	text = read_file(path, &r);
	if (!text || r < 0) {
		free(text);
		snprintf(err, CONFIG_ERR_LEN, "%s: cannot read config: %s", path, strerror(-r));
		return r < 0 ? r : -ENOMEM;
	}
	expanded = config_expand_env(text);
	free(text);
	if (!expanded)
		return -ENOMEM;
	r = config_parse_text(path, expanded, cfg, err);
	free(expanded);
	return r;
}

int config_load(const char *path, struct config *cfg, char err[CONFIG_ERR_LEN])
{
	int r = 0;

	err[0] = '\0';
	config_defaults(cfg);
	if (path) {
		cfg->path = strdup(path);
		r = load_file(path, cfg, err);
	}
	if (r < 0) {
		config_free(cfg);
		config_defaults(cfg);
		return r;
	}
	env_overrides(cfg);
	resolve_policy_dir(cfg);
	r = validate(cfg, err);
	if (r < 0) {
		config_free(cfg);
		config_defaults(cfg);
	}
	return r;
}

int config_load_discovered(const char *flag_path, struct config *cfg, char err[CONFIG_ERR_LEN])
{
	char *path = NULL;
	int r = config_discover(flag_path, &path);

	if (r < 0) {
		const char *what = flag_path && *flag_path ? flag_path : getenv("AGENTSH_CONFIG");

		snprintf(err, CONFIG_ERR_LEN, "%s: config file not found", what ? what : "config");
		config_defaults(cfg);
		return r;
	}
	r = config_load(path, cfg, err);
	free(path);
	return r;
}
