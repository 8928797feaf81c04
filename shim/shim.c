/*
 * agentsh-shell-shim: installed in place of /bin/sh and /bin/bash (the real
 * shells become sh.real and bash.real beside it). `sh -c CMD` and friends go
 * through `agentsh exec` when a person is at a terminal or routing is forced
 * (AGENTSH_SHIM_FORCE=1, or force=true in <root>/etc/agentsh/shim.conf);
 * everything else execs the real shell untouched: same argv (argv[0]
 * included), environment and file descriptors, so binary stdin passes through.
 *
 * Standalone: links nothing of agentsh, so it works in a bare container root.
 */
#include "compat.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

/* `agentsh shim` finds installed shims by this string. */
__attribute__((used)) static const char shim_marker[] = "AGENTSH_SHELL_SHIM_MARKER_v1";

/* Directories a shell is installed in; the root is what precedes them. */
static const char *const bin_dirs[] = {
    "/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin", "/bin", "/sbin"};

struct shim_conf {
	bool force;
	char agentsh[PATH_MAX];
	char session[256];
	char server[512];
};

static void shim_die(const char *what, const char *detail)
{
	fprintf(stderr, "agentsh-shell-shim: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	exit(127);
}

/* snprintf that reports truncation (a truncated path must never be used). */
PRINTF_LIKE(3, 4) static bool pathf(char *out, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, len, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < len;
}

static bool env_is(const char *name, const char *value)
{
	const char *v = getenv(name);

	return v && strcmp(v, value) == 0;
}

static bool is_exec(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static void dir_of(const char *path, char *out, size_t len)
{
	const char *s = strrchr(path, '/');

	snprintf(out, len, "%.*s", s ? (int)(s - path) : 0, path);
}

/* <root>/etc/agentsh/shim.conf, where root is the shim's path less its bin dir. */
static void conf_path(const char *self, char *out, size_t len)
{
	const char *env = getenv("AGENTSH_SHIM_CONF");
	char dir[PATH_MAX];
	size_t n;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return;
	}
	dir_of(self, dir, sizeof(dir));
	n = strlen(dir);
	for (size_t i = 0; i < ARRAY_SIZE(bin_dirs); i++) {
		size_t m = strlen(bin_dirs[i]);

		if (n >= m && strcmp(dir + n - m, bin_dirs[i]) == 0) {
			if (!pathf(out, len, "%.*s/etc/agentsh/shim.conf", (int)(n - m), dir))
				break;
			return;
		}
	}
	snprintf(out, len, "/etc/agentsh/shim.conf");
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static void conf_set(struct shim_conf *c, const char *key, const char *val)
{
	if (strcmp(key, "force") == 0)
		c->force =
		    strcmp(val, "true") == 0 || strcmp(val, "1") == 0 || strcmp(val, "yes") == 0;
	else if (strcmp(key, "agentsh") == 0)
		snprintf(c->agentsh, sizeof(c->agentsh), "%s", val);
	else if (strcmp(key, "session") == 0)
		snprintf(c->session, sizeof(c->session), "%s", val);
	else if (strcmp(key, "server") == 0)
		snprintf(c->server, sizeof(c->server), "%s", val);
}

/* key=value lines, '#' comments; unknown keys are ignored (an older shim keeps working). */
static void conf_load(const char *path, struct shim_conf *c)
{
	FILE *f = fopen(path, "re");
	char line[1024];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *eq = strchr(line, '='), *k = trim(line);

		if (*k == '#' || !eq)
			continue;
		*eq = '\0';
		conf_set(c, trim(k), trim(eq + 1));
	}
	fclose(f);
}

/* True when argv has -c among the options before the first operand. */
static bool has_command_flag(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t n = strlen(a);

		if (strcmp(a, "--") == 0 || (a[0] != '-' && a[0] != '+') || n < 2)
			return false;
		if (a[0] == '-' && a[1] == '-')
			continue; /* bash long options (--login, --norc ...) */
		if (a[0] == '-' && strchr(a + 1, 'c'))
			return true;
		if (a[n - 1] == 'o' || a[n - 1] == 'O')
			i++; /* -o OPTION takes a value */
	}
	return false;
}

/* Already inside an agentsh session: the server marks it, or a tracer holds us. */
static bool in_session(void)
{
	FILE *f;
	char line[256];
	long tracer = 0;

	if (env_is("AGENTSH_IN_SESSION", "1"))
		return true;
	f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "TracerPid:", 10) == 0)
			tracer = strtol(line + 10, NULL, 10);
	if (f)
		fclose(f);
	return tracer != 0;
}

static void find_real(const char *self, const char *name, char *out, size_t len)
{
	char dir[PATH_MAX];

	if (pathf(out, len, "%s.real", self) && is_exec(out))
		return;
	dir_of(self, dir, sizeof(dir));
	if (pathf(out, len, "%s/%s.real", dir, name) && is_exec(out))
		return;
	if (pathf(out, len, "/bin/%s.real", name) && is_exec(out))
		return;
	if (!pathf(out, len, "/usr/bin/%s.real", name) || !is_exec(out))
		shim_die("cannot find the real shell", "expected NAME.real beside the shim");
}

static bool find_in_path(const char *prog, char *out, size_t len)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	copy = strdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		found = pathf(out, len, "%s/%s", dir, prog) && is_exec(out);
	}
	free(copy);
	return found;
}

static void find_agentsh(const struct shim_conf *c, char *out, size_t len)
{
	const char *env = getenv("AGENTSH_BIN");

	if (env && *env) {
		snprintf(out, len, "%s", env);
		if (!is_exec(out))
			shim_die("AGENTSH_BIN is not an executable file", env);
		return;
	}
	snprintf(out, len, "%s", c->agentsh);
	if (c->agentsh[0] && is_exec(out))
		return;
	if (!find_in_path("agentsh", out, len))
		shim_die("cannot find agentsh to route the command through",
			 "set AGENTSH_BIN, agentsh= in shim.conf, or put agentsh on PATH");
}

static void route(int argc, char **argv, const char *real, const struct shim_conf *c)
{
	char agentsh[PATH_MAX];
	char **av = calloc((size_t)argc + 8, sizeof(*av));
	int n = 0;

	if (!av)
		shim_die("out of memory", NULL);
	find_agentsh(c, agentsh, sizeof(agentsh));
	if (c->server[0])
		setenv("AGENTSH_SERVER", c->server, 0);
	if (c->session[0])
		setenv("AGENTSH_SESSION_ID", c->session, 0);
	av[n++] = agentsh;
	av[n++] = "exec";
	if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		av[n++] = "--pty";
	av[n++] = "--argv0";
	av[n++] = argv[0];
	av[n++] = "--";
	av[n++] = (char *)real;
	for (int i = 1; i < argc; i++)
		av[n++] = argv[i];
	execv(agentsh, av);
	shim_die("cannot run agentsh", strerror(errno));
}

int main(int argc, char **argv)
{
	struct shim_conf conf = {0};
	char self[PATH_MAX], real[PATH_MAX], cpath[PATH_MAX];
	const char *name = argc > 0 ? strrchr(argv[0], '/') : NULL;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (argc < 1)
		shim_die("started without argv[0]", NULL);
	name = name ? name + 1 : argv[0];
	name += name[0] == '-'; /* login shells: "-bash" */
	if (n <= 0)
		shim_die("cannot read /proc/self/exe", strerror(errno));
	self[n] = '\0';
	if (strcmp(name, "sh") != 0 && strcmp(name, "bash") != 0)
		name = strrchr(self, '/') + 1;
	find_real(self, name, real, sizeof(real));
	conf_path(self, cpath, sizeof(cpath));
	conf_load(cpath, &conf);
	if (has_command_flag(argc, argv) && !in_session() &&
	    (isatty(STDIN_FILENO) || env_is("AGENTSH_SHIM_FORCE", "1") || conf.force))
		route(argc, argv, real, &conf);
	execv(real, argv);
	shim_die("cannot run the real shell", strerror(errno));
	return 127;
}
