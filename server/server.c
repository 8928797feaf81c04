/* server_run: set up storage, audit, listeners; wait for a signal; tear down. */
#include "compat.h"
#include "audit/audit.h"
#include "config/config.h"
#include "http.h"
#include "log.h"
#include "server.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

static int mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(tmp, mode);
			*p = '/';
		}
	return mkdir(tmp, mode) < 0 && errno != EEXIST ? -errno : 0;
}

static char *data_path(const struct server *srv, const char *configured, const char *name)
{
	char p[PATH_MAX];

	if (configured && *configured)
		return strdup(configured);
	snprintf(p, sizeof(p), "%s/%s", srv->data_dir, name);
	return strdup(p);
}

static int load_keys_file(struct server *srv, const char *path)
{
	FILE *f = fopen(path, "re");
	char line[1024];

	if (!f)
		return log_errno(-errno, "auth.api_key.keys_file %s", path);
	while (fgets(line, sizeof(line), f)) {
		char *s = line + strspn(line, " \t");

		s[strcspn(s, "\r\n")] = '\0';
		if (*s && *s != '#')
			strv_push(&srv->api_keys, s);
	}
	fclose(f);
	return 0;
}

static int setup_auth(struct server *srv)
{
	const struct config *cfg = srv->cfg;

	if (strcmp(cfg->auth.type, "none") == 0)
		return 0;
	if (strcmp(cfg->auth.type, "api_key") != 0) {
		log_error("auth.type %s is not supported by this build (use none or api_key)",
			  cfg->auth.type);
		return -ENOTSUP;
	}
	for (size_t i = 0; i < cfg->auth.api_key.keys.n; i++)
		strv_push(&srv->api_keys, cfg->auth.api_key.keys.v[i]);
	if (cfg->auth.api_key.keys_file && load_keys_file(srv, cfg->auth.api_key.keys_file) < 0)
		return -EINVAL;
	if (srv->api_keys.n == 0) {
		log_error("auth.type api_key needs auth.api_key.keys or keys_file");
		return -EINVAL;
	}
	return 0;
}

static int setup_audit(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	struct audit_log_opts opts = { .max_size_mb = cfg->audit.rotation.max_size_mb,
				       .max_backups = (int)cfg->audit.rotation.max_backups };
	struct audit_key key = { 0 };
	enum audit_alg alg;
	_cleanup_free_ char *path = NULL;
	int r;

	if (!cfg->audit.enabled)
		return 0;
	path = data_path(srv, cfg->audit.output, "audit.jsonl");
	if (!cfg->audit.integrity.enabled) {
		srv->audit_plain = fopen(path, "ae");
		return srv->audit_plain ? 0 : log_errno(-errno, "audit.output %s", path);
	}
	if (audit_alg_parse(cfg->audit.integrity.algorithm, &alg) < 0)
		return log_errno(-EINVAL, "audit.integrity.algorithm");
	r = audit_key_load(cfg->audit.integrity.key_file, cfg->audit.integrity.key_env, &key);
	if (r < 0)
		return log_errno(r, "audit.integrity key (key_file or key_env, >= %d bytes)",
				 AUDIT_MIN_KEY_LEN);
	r = audit_log_open(&srv->audit, path, &key, alg, &opts);
	audit_key_release(&key);
	return r < 0 ? log_errno(r, "audit log %s", path) : 0;
}

static int setup_storage(struct server *srv)
{
	const struct config *cfg = srv->cfg;
	_cleanup_free_ char *db = NULL;
	int r;

	srv->data_dir = config_data_dir();
	if (!srv->data_dir || mkdir_p(srv->data_dir, 0700) < 0)
		return log_errno(-EIO, "data directory %s", srv->data_dir ? srv->data_dir : "?");
	snprintf(srv->run_dir, sizeof(srv->run_dir), "/tmp/agentsh-srv-XXXXXX");
	if (!mkdtemp(srv->run_dir))
		return log_errno(-errno, "runtime directory");
	db = cfg->audit.storage.enabled ? data_path(srv, cfg->audit.storage.sqlite_path, "events.db")
					: strdup(":memory:");
	r = store_open(&srv->store, db, cfg->audit.storage.batch_size,
		       cfg->audit.storage.flush_interval_ms);
	return r < 0 ? r : setup_audit(srv);
}

static void std_fds_open(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
			break;
}

/* Waits for SIGINT/SIGTERM, reaping expired sessions every cleanup_interval. */
static void wait_for_signal(struct server *srv, const sigset_t *set)
{
	long long ms = srv->cfg->sessions.cleanup_interval_ms > 0
			       ? srv->cfg->sessions.cleanup_interval_ms
			       : 60000;
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 };

	for (;;) {
		int sig = sigtimedwait(set, NULL, &ts);

		if (sig == SIGINT || sig == SIGTERM)
			return;
		sessions_reap(srv);
	}
}

static void teardown(struct server *srv, struct MHD_Daemon *d, struct MHD_Daemon *u)
{
	struct session *s;

	srv->stopping = 1;
	pthread_mutex_lock(&srv->lock);
	s = srv->sessions;
	pthread_mutex_unlock(&srv->lock);
	for (; s; s = s->next)
		exec_kill(srv, s->id, NULL);
	if (d)
		MHD_stop_daemon(d);
	if (u)
		MHD_stop_daemon(u);
	store_close(srv->store);
	audit_log_close(srv->audit);
	if (srv->audit_plain)
		fclose(srv->audit_plain);
	if (srv->run_dir[0])
		rmdir(srv->run_dir);
	strv_free(&srv->api_keys);
	free(srv->data_dir);
}

int server_run(const struct config *cfg, const char *config_path, const char *self_exe)
{
	struct server srv = { .cfg = cfg, .config_path = config_path, .self_exe = self_exe };
	_cleanup_free_ char *abs_config = config_path ? realpath(config_path, NULL) : NULL;
	struct MHD_Daemon *d = NULL, *u = NULL;
	sigset_t set;
	int r;

	if (abs_config)
		srv.config_path = abs_config; /* wrap runs in the command's directory */
	std_fds_open();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	pthread_mutex_init(&srv.lock, NULL);
	r = setup_auth(&srv);
	if (r == 0)
		r = setup_storage(&srv);
	if (r == 0 && !(d = http_start_tcp(&srv, cfg->server.http.addr)))
		r = log_errno(-EADDRINUSE, "cannot listen on %s", cfg->server.http.addr);
	if (r == 0 && cfg->server.unix_socket && *cfg->server.unix_socket &&
	    !(u = http_start_unix(&srv, cfg->server.unix_socket)))
		r = -EIO;
	if (r == 0) {
		fprintf(stderr, "agentsh server listening on http://%s\n", cfg->server.http.addr);
		wait_for_signal(&srv, &set);
	}
	teardown(&srv, d, u);
	return r;
}
