/* agentsh wrap: run one command under the tracer in this process. */
#include "compat.h"
#include "cli.h"
#include "log.h"
#include "config/config.h"
#include "enforce/backends.h"
#include "enforce/enforce.h"
#include "policy/policy.h"
#include "tracer/tracer.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdio.h>

/* Status for an agentsh error before the command ran (docs/internals.md). */
#define WRAP_EXIT_ERROR 125

struct wrap_args {
	const char *policy, *policy_dir, *config, *events, *approver;
	const char *session_id, *command_id, *workspace;
	const char *pid_file, *verify_open;
	bool no_prefilter, have_max_tracees, have_max_hold, attach;
	long max_tracees, max_hold_ms, pid, pid_wait_ms;
	char **cmd;
};

static void wrap_usage(FILE *f)
{
	fprintf(f, "usage: agentsh wrap [--policy FILE|NAME] [--policy-dir DIR] [--config FILE]\n"
		   "                    [--events FILE|-|fd:N] [--approver unix:PATH]\n"
		   "                    [--session-id ID] [--command-id ID] [--workspace DIR]\n"
		   "                    [--no-prefilter] [--max-tracees N] [--max-hold-ms N]\n"
		   "                    -- CMD [ARGS...]\n"
		   "       agentsh attach --pid N | --pid-file F [--pid-wait-ms MS] [same options]\n");
}

static bool parse_long(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return !errno && *s && !*end && *out >= 0;
}

static int wrap_parse(int argc, char **argv, struct wrap_args *a)
{
	static const struct {
		const char *flag;
		size_t off;
	} strs[] = {
		{ "--policy", offsetof(struct wrap_args, policy) },
		{ "--policy-dir", offsetof(struct wrap_args, policy_dir) },
		{ "--config", offsetof(struct wrap_args, config) },
		{ "--events", offsetof(struct wrap_args, events) },
		{ "--approver", offsetof(struct wrap_args, approver) },
		{ "--session-id", offsetof(struct wrap_args, session_id) },
		{ "--session", offsetof(struct wrap_args, session_id) },
		{ "--command-id", offsetof(struct wrap_args, command_id) },
		{ "--workspace", offsetof(struct wrap_args, workspace) },
		{ "--pid-file", offsetof(struct wrap_args, pid_file) },
		{ "--verify-open", offsetof(struct wrap_args, verify_open) },
	};
	int i;

	for (i = 1; i < argc; i++) {
		const char *f = argv[i];
		size_t k;

		if (strcmp(f, "--") == 0) {
			i++;
			break;
		}
		if (f[0] != '-')
			break;
		if (strcmp(f, "--help") == 0 || strcmp(f, "-h") == 0) {
			wrap_usage(stdout);
			exit(0);
		}
		if (strcmp(f, "--no-prefilter") == 0) {
			a->no_prefilter = true;
			continue;
		}
		if (i + 1 >= argc) {
			log_error("wrap: %s needs a value", f);
			return -EINVAL;
		}
		if (strcmp(f, "--pid") == 0 || strcmp(f, "--pid-wait-ms") == 0) {
			if (!parse_long(argv[++i], f[5] ? &a->pid_wait_ms : &a->pid) ||
			    (!f[5] && a->pid <= 0)) {
				log_error("%s: '%s' is not a valid value", f, argv[i]);
				return -EINVAL;
			}
			continue;
		}
		if (strcmp(f, "--max-tracees") == 0 || strcmp(f, "--max-hold-ms") == 0) {
			bool tr = f[6] == 't';
			if (!parse_long(argv[++i], tr ? &a->max_tracees : &a->max_hold_ms)) {
				log_error("wrap: %s: '%s' is not a non-negative number", f, argv[i]);
				return -EINVAL;
			}
			*(tr ? &a->have_max_tracees : &a->have_max_hold) = true;
			continue;
		}
		for (k = 0; k < ARRAY_SIZE(strs); k++)
			if (strcmp(f, strs[k].flag) == 0)
				break;
		if (k == ARRAY_SIZE(strs)) {
			log_error("wrap: unknown option %s", f);
			return -EINVAL;
		}
		*(const char **)((char *)a + strs[k].off) = argv[++i];
	}
	if (a->attach) {
		if (i < argc) {
			log_error("attach: no command is run, only --pid or --pid-file");
			return -EINVAL;
		}
		return 0;
	}
	if (i >= argc) {
		wrap_usage(stderr);
		return -EINVAL;
	}
	a->cmd = argv + i;
	return 0;
}

static int open_events(const char *spec)
{
	long fd;

	if (!spec)
		return -1;
	/* Never inherited by the command: it would write lines of its own. */
	if (strcmp(spec, "-") == 0)
		return fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
	if (strncmp(spec, "fd:", 3) == 0 && parse_long(spec + 3, &fd))
		return fd < 0 || fd > INT_MAX || fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0 ? -1 : (int)fd;
	return open(spec, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
}

static void print_warning(void *ctx, const char *msg)
{
	log_warn("%s: %s", (const char *)ctx, msg);
}

static int load_policy(const struct wrap_args *a, const struct config *cfg, const char *workspace,
		       const char *approver, struct policy **out)
{
	struct policy_vars vars = { .project_root = workspace, .home = getenv("HOME") };
	struct policy_opts popts = { .enforce_approvals = approver != NULL,
				     .enforce_redirects = true };
	struct policy_error err = { { 0 } };
	char path[PATH_MAX];
	const char *dir = a->policy_dir ? a->policy_dir : cfg->policies.dir;
	int r;

	*out = NULL;
	if (!a->policy)
		return 0;
	snprintf(path, sizeof(path), "%s", a->policy);
	if (!strchr(a->policy, '/') && access(a->policy, F_OK) < 0 && dir &&
	    policy_find(dir, a->policy, path, sizeof(path)) < 0) {
		log_error("policy '%s' not found in %s", a->policy, dir);
		return -ENOENT;
	}
	struct policy_checks checks = { .manifest_path = cfg->policies.manifest_path,
					.trust_store = cfg->policies.signing.trust_store,
					.signing_mode = cfg->policies.signing.mode,
					.warn = print_warning,
					.ctx = path };
	r = policy_load_verified(path, &checks, &vars, &popts, out, &err);
	if (r) {
		fprintf(stderr, "agentsh: %s\n", err.message[0] ? err.message : strerror(-r));
		return r;
	}
	policy_for_each_warning(*out, print_warning, path);
	return 0;
}

/* target_pid_file: polled until it names a live pid, up to a deadline. */
static pid_t wait_pid_file(const char *path, long wait_ms)
{
	for (long waited = 0;; waited += 50) {
		FILE *f = fopen(path, "re");
		long pid = 0;

		if (f) {
			if (fscanf(f, "%ld", &pid) != 1)
				pid = 0;
			fclose(f);
			if (pid > 0 && kill((pid_t)pid, 0) == 0)
				return (pid_t)pid;
		}
		if (waited >= wait_ms)
			return -ETIMEDOUT;
		usleep(50 * 1000);
	}
}

static int attach_target(const struct wrap_args *a, const struct config *cfg, pid_t *out)
{
	const char *file = a->pid_file ? a->pid_file : cfg->sandbox.ptrace.target_pid_file;
	long pid = a->pid ? a->pid : cfg->sandbox.ptrace.target_pid;

	if (pid > 0) {
		*out = (pid_t)pid;
		return 0;
	}
	if (!file || !*file) {
		log_error("attach: give --pid, --pid-file, or sandbox.ptrace.target_pid[_file]");
		return -EINVAL;
	}
	*out = wait_pid_file(file, a->pid_wait_ms ? a->pid_wait_ms : 30000);
	if (*out < 0) {
		log_error("attach: %s did not name a running process in time", file);
		return -ETIMEDOUT;
	}
	return 0;
}

/* The command's environment: env_policy (and its rule's env_* overrides)
 * applied to ours, as the server does for a session's command. */
static int root_env(struct policy *p, char **cmd, char ***out)
{
	struct exec_query q = { .filename = cmd[0], .argv = (const char *const *)cmd,
				.argc = 0, .submit = true };
	struct policy_error err = { { 0 } };
	struct verdict v;
	int r;

	*out = NULL;
	if (!p)
		return 0;
	while (cmd[q.argc])
		q.argc++;
	policy_decide_exec(p, &q, &v);
	r = policy_build_env(p, &v, environ, out, &err);
	if (r < 0)
		fprintf(stderr, "agentsh: %s\n", err.message[0] ? err.message : strerror(-r));
	return r;
}

static void tracer_opts_from_config(struct tracer_opts *o, const struct config *cfg,
				    const struct wrap_args *a)
{
	const struct config_ptrace *p = &cfg->sandbox.ptrace;

	tracer_opts_defaults(o);
	o->trace_execve = p->trace.execve;
	o->trace_file = p->trace.file;
	o->trace_network = p->trace.network;
	o->trace_signal = p->trace.signal;
	o->seccomp_prefilter = p->performance.seccomp_prefilter && !a->no_prefilter;
	o->max_tracees = (int)(a->have_max_tracees ? a->max_tracees : p->performance.max_tracees);
	o->max_hold_ms = a->have_max_hold ? a->max_hold_ms : p->performance.max_hold_ms;
	if (p->trace.verify_open && strcmp(p->trace.verify_open, "always") == 0)
		o->verify_open = VERIFY_ALWAYS;
	else if (p->trace.verify_open && strcmp(p->trace.verify_open, "never") == 0)
		o->verify_open = VERIFY_NEVER;
	if (a->verify_open)
		o->verify_open = strcmp(a->verify_open, "always") == 0  ? VERIFY_ALWAYS
				 : strcmp(a->verify_open, "never") == 0 ? VERIFY_NEVER
									: VERIFY_AUTO;
}

/*
 * In the child, for read-only opens no longer decided: the tree runs without
 * CAP_SYS_PTRACE (bounding set too, so an exec does not give it back),
 * agentsh is not dumpable, and where Landlock exists a domain keeps every
 * outside process's memory (/proc/PID/mem, pidfd_getfd) out of reach. What
 * the kernel still lets a process of the same user read (environ, fd links,
 * on this kernel even of a non-dumpable process) is said at start.
 */
static int guard_reads(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	const unsigned bit = CAP_SYS_PTRACE % 32, i = CAP_SYS_PTRACE / 32;

	if (prctl(PR_CAPBSET_DROP, CAP_SYS_PTRACE, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_LOWER, CAP_SYS_PTRACE, 0, 0);
	if (syscall(SYS_capget, &h, d) < 0)
		return -errno;
	d[i].effective &= ~(1u << bit);
	d[i].permitted &= ~(1u << bit);
	d[i].inheritable &= ~(1u << bit);
	if (syscall(SYS_capset, &h, d) < 0)
		return -errno;
	if (landlock_abi() >= 1)
		return landlock_scope_domain();
	return 0;
}

/* performance.arg_level_filter / static_allow_*: what the policy lets leave the
 * traced set; a request it keeps is said, never silently dropped. */
static void perf_static(const struct policy *p, const struct config *cfg, bool attach,
			struct tracer_opts *o)
{
	const struct config_ptrace *c = &cfg->sandbox.ptrace;
	struct plan_static ps;

	plan_static(p, c->performance.arg_level_filter, c->performance.static_allow_file,
		    c->performance.static_allow_network, &ps);
	/* Read-only opens no longer stopped include other processes' /proc
	 * insides: the kernel keeps agentsh's out of reach instead (guard_reads),
	 * which an attached tree cannot be given. */
	if (ps.read_open && attach) {
		ps.read_open = false;
		snprintf(ps.off[0], sizeof(ps.off[0]),
			 "arg_level_filter: read-only opens stay decided (an attached tree keeps "
			 "CAP_SYS_PTRACE: agentsh's /proc entries would be in its reach)");
	}
	o->static_read_open = ps.read_open;
	if (ps.read_open) {
		log_warn("sandbox.ptrace.performance.arg_level_filter: read-only opens are neither "
			 "decided nor recorded; /proc/PID/environ and fd links of processes "
			 "outside the tree (agentsh's too) are as readable as the kernel lets "
			 "a process of this user read them");
		o->child_guard = guard_reads;
		o->tree_landlocked = true;
		if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
			log_warn("cannot make agentsh non-dumpable: %s", strerror(errno));
	}
	if (ps.file)
		o->trace_file = false;
	for (size_t i = 0; i < ARRAY_SIZE(ps.off); i++)
		if (ps.off[i][0])
			log_warn("sandbox.ptrace.performance.%s", ps.off[i]);
}

static int run(const struct wrap_args *a, const struct config *cfg)
{
	char cwd[PATH_MAX];
	const char *workspace = a->workspace;
	struct enforce_opts eo = { .session_id = a->session_id, .command_id = a->command_id,
				   .log_allowed = true, .approver = a->approver };
	struct tracer_opts to;
	struct policy *p;
	struct enforce *enf = NULL;
	struct tracer *t = NULL;
	int r;

	if (!workspace)
		workspace = getcwd(cwd, sizeof(cwd)) ? cwd : ".";
	/* No approver hook but a person at a terminal: ask there. */
	if (!eo.approver && isatty(STDIN_FILENO) && access("/dev/tty", R_OK | W_OK) == 0)
		eo.approver = "tty";
	eo.workspace = workspace;
	eo.vars.project_root = workspace;
	eo.vars.home = getenv("HOME");
	eo.trash_dir = cfg->sandbox.fuse.audit.trash_path;
	tracer_opts_from_config(&to, cfg, a);
	eo.max_hold_ms = to.max_hold_ms;
	eo.events_fd = open_events(a->events);
	if (a->events && eo.events_fd < 0)
		return log_errno(-errno, "cannot open events output %s", a->events);
	r = load_policy(a, cfg, workspace, eo.approver, &p);
	if (r)
		return r;
	r = enforce_new(&eo, p, &enf);
	if (r) {
		policy_free(p);
		return r;
	}
	perf_static(p, cfg, a->attach, &to);
	if (p && to.trace_network) {
		const struct config_network *n = &cfg->sandbox.network;
		char **ups = n->dns_upstreams.n ? n->dns_upstreams.v : NULL;
		/* dns_upstreams is NULL-terminated by the config loader? copy to be sure. */
		const char *list[17] = { 0 };
		for (size_t i = 0; ups && i < n->dns_upstreams.n && i < 16; i++)
			list[i] = ups[i];
		if (enforce_net_start(enf, (int)n->dns_port, ups ? list : NULL) < 0)
			log_warn("network rules will see addresses only");
	}
	wrap_mode_configure(&cfg->sandbox.fuse, a->attach);
	r = wrap_mode_tracer_new(&to, enf, &t);
	if (!r && a->attach) {
		pid_t pid = 0;
		r = attach_target(a, cfg, &pid);
		if (!r)
			r = tracer_run_attached(t, pid);
		if (r < 0 && cfg->sandbox.ptrace.on_attach_failure &&
		    strcmp(cfg->sandbox.ptrace.on_attach_failure, "fail_open") == 0) {
			log_warn("attach failed; on_attach_failure is fail_open: the target runs "
				 "untraced");
			r = 0;
		}
	} else if (!r) {
		char **env = NULL;
		r = root_env(p, a->cmd, &env);
		/* rewrite_sni: the command trusts the session CA (enforce/netglue.c). */
		if (r >= 0 && enforce_net_env(enf, &env) < 0)
			r = -ENOMEM;
		if (r < 0)
			r = 126; /* the command cannot run with this environment */
		else
			r = tracer_run_command(t, a->cmd, env ? env : environ);
		policy_env_free(env);
	}
	tracer_free(t);
	wrap_mode_done(); /* the FUSE layer's threads decide with enf */
	enforce_free(enf);
	return r;
}

static int wrap_or_attach(int argc, char **argv, bool attach)
{
	struct wrap_args a = { .attach = attach };
	struct config cfg;
	char err[CONFIG_ERR_LEN] = "";
	int r;

	/* --mode (accelerating backends) is taken out before the rest is parsed. */
	if (wrap_mode_take(&argc, argv) < 0)
		return WRAP_EXIT_ERROR;
	if (wrap_parse(argc, argv, &a) < 0)
		return WRAP_EXIT_ERROR;
	/* config_load starts from the defaults itself. */
	if (!a.config)
		config_defaults(&cfg);
	else if (config_load(a.config, &cfg, err) < 0) {
		fprintf(stderr, "agentsh: %s\n", err);
		config_free(&cfg);
		return WRAP_EXIT_ERROR;
	}
	/* attach_mode: pid in the config turns wrap into attach. */
	if (!a.attach && !a.cmd && cfg.sandbox.ptrace.attach_mode &&
	    strcmp(cfg.sandbox.ptrace.attach_mode, "pid") == 0)
		a.attach = true;
	r = run(&a, &cfg);
	config_free(&cfg);
	return r < 0 ? WRAP_EXIT_ERROR : r;
}

int cmd_wrap(int argc, char **argv, const struct cli_globals *g)
{
	return wrap_or_attach(argc, argv, false);
}

/* agentsh attach --pid N | --pid-file F [--policy P] [--events F] ... */
int cmd_attach(int argc, char **argv, const struct cli_globals *g)
{
	return wrap_or_attach(argc, argv, true);
}
