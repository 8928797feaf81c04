/*
 * The planner. Rules a static backend can enforce are installed there as a
 * kernel layer; the tracer (ptrace, or seccomp-notify for opens) still sees the
 * operation so every mode makes the same decision and writes the same event.
 * A kernel layer never refuses what the policy allows: when that cannot be
 * guaranteed for a rule set, the backend is left out with the reason.
 */
#include "compat.h"
#include "enforce/plan.h"
#include "detect/detect.h"
#include "enforce/fuse_layer.h"

#include <limits.h>
#include <stdio.h>

static const char *const mode_names[PLAN_MODE_COUNT] = {
	[PLAN_MODE_PTRACE] = "ptrace",	 [PLAN_MODE_PREFILTER] = "prefilter",
	[PLAN_MODE_NOTIFY] = "notify",	 [PLAN_MODE_LANDLOCK] = "landlock",
	[PLAN_MODE_EBPF] = "ebpf",	 [PLAN_MODE_FUSE] = "fuse",
	[PLAN_MODE_FULL] = "full",	 [PLAN_MODE_AUTO] = "auto",
};

static const char *const backend_names[PLAN_BE_COUNT] = {
	[PLAN_BE_PTRACE] = "ptrace",	 [PLAN_BE_NOTIFY] = "seccomp-notify",
	[PLAN_BE_LANDLOCK] = "landlock", [PLAN_BE_EBPF] = "ebpf",
	[PLAN_BE_FUSE] = "fuse",
};

static const char *const section_names[] = { "file_rules", "network_rules", "command_rules",
					     "unix_socket_rules", "signal_rules" };

/* Write-side file ops: what Landlock's write rights (the WRITE perm) cover. */
#define PLAN_WRITE_OPS                                                                             \
	(FOP_WRITE | FOP_CREATE | FOP_DELETE | FOP_RMDIR | FOP_MKDIR | FOP_RENAME | FOP_LINK |     \
	 FOP_SYMLINK)

const char *plan_mode_name(enum plan_mode m)
{
	return m < PLAN_MODE_COUNT ? mode_names[m] : "?";
}

const char *plan_backend_name(enum plan_backend b)
{
	return b < PLAN_BE_COUNT ? backend_names[b] : "?";
}

int plan_mode_parse(const char *s, enum plan_mode *out)
{
	for (int m = 0; m < PLAN_MODE_COUNT; m++)
		if (strcmp(s, mode_names[m]) == 0)
			return *out = (enum plan_mode)m, 0;
	return -EINVAL;
}

static bool mode_uses(enum plan_mode m, enum plan_backend b)
{
	bool all = m == PLAN_MODE_FULL || m == PLAN_MODE_AUTO;

	switch (b) {
	case PLAN_BE_NOTIFY:
		return all || m == PLAN_MODE_NOTIFY;
	case PLAN_BE_LANDLOCK:
		return all || m == PLAN_MODE_LANDLOCK;
	case PLAN_BE_EBPF:
		return all || m == PLAN_MODE_EBPF;
	case PLAN_BE_FUSE:
		return all || m == PLAN_MODE_FUSE;
	default:
		return true;
	}
}

/* Why backend b cannot run here ("" when it can). */
static const char *backend_missing(enum plan_backend b, const struct detect_result *dr)
{
	switch (b) {
	case PLAN_BE_PTRACE:
		return dr->ptrace.ok ? "" : "ptrace is not available";
	case PLAN_BE_NOTIFY:
		return dr->seccomp_notify.ok ? "" : "seccomp user-notify is not available";
	case PLAN_BE_LANDLOCK:
		return dr->landlock.ok ? "" : "landlock is not available";
	case PLAN_BE_EBPF:
		if (!dr->ebpf.ok)
			return "eBPF cgroup programs cannot be attached here";
		return dr->cgroup2_writable ? "" : "no writable cgroup v2 directory for the session";
	case PLAN_BE_FUSE:
		if (!fuse_layer_built())
			return "the fuse backend is not built (no libfuse3 at build time)";
		if (!dr->fuse.ok || !dr->dev_fuse)
			return "FUSE is not available here (/dev/fuse or a mount method is missing)";
		if (!(dr->cap_effective & (1ULL << DETECT_CAP_SYS_ADMIN)))
			return "the workspace mount needs CAP_SYS_ADMIN (a private mount namespace)";
		return "";
	default:
		return "unknown backend";
	}
}

bool plan_mode_supported(enum plan_mode m, const struct detect_result *dr, char *why,
			 size_t why_len)
{
	const char *miss = backend_missing(PLAN_BE_PTRACE, dr);

	if (!*miss && m != PLAN_MODE_PTRACE && !dr->seccomp.ok)
		miss = "seccomp filters are not available (the prefilter needs them)";
	for (int b = PLAN_BE_NOTIFY; !*miss && b < PLAN_BE_COUNT; b++)
		if (m < PLAN_MODE_FULL && mode_uses(m, (enum plan_backend)b))
			miss = backend_missing((enum plan_backend)b, dr);
	if (why)
		snprintf(why, why_len, "%s", miss);
	return !*miss;
}

static int rules_alloc(const struct policy *p, struct plan *pl)
{
	size_t n = 0;

	for (int s = PLAN_SEC_FILE; s <= PLAN_SEC_SIGNAL; s++)
		n += policy_export_count(p, s);
	pl->rules = calloc(n ? n : 1, sizeof(*pl->rules));
	if (!pl->rules)
		return -ENOMEM;
	for (int s = PLAN_SEC_FILE; s <= PLAN_SEC_SIGNAL; s++)
		for (size_t i = 0; i < policy_export_count(p, s); i++) {
			struct plan_rule *r = &pl->rules[pl->nrules++];

			r->section = section_names[s];
			policy_export_head(p, s, i, &r->name, &r->decision);
			r->backend = PLAN_BE_PTRACE;
			snprintf(r->why, sizeof(r->why), "%s",
				 pl->prefilter ? "seccomp prefilter stop" : "ptrace stop");
		}
	return 0;
}

static struct plan_rule *rule_at(struct plan *pl, int section, size_t i)
{
	for (size_t k = 0; k < pl->nrules; k++)
		if (pl->rules[k].section == section_names[section] && i-- == 0)
			return &pl->rules[k];
	return NULL;
}

/* Opens go through seccomp-notify unless a file rule must hold for an approval. */
static void plan_notify(const struct policy *p, const struct plan_config *c, struct plan *pl)
{
	size_t n = policy_export_count(p, PLAN_SEC_FILE);

	for (size_t i = 0; i < n; i++) {
		struct plan_rule *r = rule_at(pl, PLAN_SEC_FILE, i);

		if (r->decision == DECISION_APPROVE && c->enforce_approvals) {
			snprintf(pl->off[PLAN_BE_NOTIFY], sizeof(pl->off[0]),
				 "file rule '%s' holds for approvals (ptrace keeps opens)", r->name);
			return;
		}
	}
	pl->notify_open = true;
	for (size_t i = 0; i < n; i++) {
		struct plan_rule *r = rule_at(pl, PLAN_SEC_FILE, i);

		r->backend = PLAN_BE_NOTIFY;
		snprintf(r->why, sizeof(r->why),
			 "opens: seccomp-notify (emulated, fd pinned); other ops: ptrace");
	}
}

static int ll_add_path(struct plan *pl, const char *path, unsigned perms)
{
	size_t k = pl->ll.n_paths;

	if (k >= PLAN_MAX_LL_PATHS)
		return -E2BIG;
	if (!(pl->ll_path_text[k] = strdup(path)))
		return -ENOMEM;
	pl->ll_paths[k].path = pl->ll_path_text[k];
	pl->ll_paths[k].perms = perms;
	pl->ll.n_paths = k + 1;
	return 0;
}

/* One file rule as the planner reads it: its operations and expanded paths. */
struct file_rule_view {
	char *paths[32];
	size_t np;
	unsigned ops;
	bool redirect;
};

static int file_rule_read(const struct policy *p, const struct plan_config *c, size_t i,
			  struct file_rule_view *v)
{
	v->np = 0;
	return policy_export_file_rule(p, i, c->vars, &v->ops, &v->redirect, v->paths,
				       ARRAY_SIZE(v->paths), &v->np);
}

static void file_rule_free(struct file_rule_view *v)
{
	for (size_t k = 0; k < v->np; k++)
		free(v->paths[k]);
	v->np = 0;
}

/* One write-granting rule: every path must be a plain subtree or file. */
static int ll_rule_paths(const struct file_rule_view *v, struct plan *pl, char *why, size_t why_len)
{
	char out[4096];
	int r = 0;

	for (size_t k = 0; !r && k < v->np; k++) {
		if (landlock_glob_kind(v->paths[k], out, sizeof(out)) == LANDLOCK_GLOB_INEXACT) {
			snprintf(why, why_len, "path \"%s\" is not a plain subtree", v->paths[k]);
			r = -EINVAL;
		} else {
			r = ll_add_path(pl, out, LANDLOCK_PERM_WRITE);
		}
	}
	if (r && !*why)
		snprintf(why, why_len, "%s", strerror(-r));
	return r;
}

static int ll_file_writes(const struct policy *p, const struct plan_config *c, struct plan *pl,
			  char *why, size_t why_len)
{
	for (size_t i = 0; i < policy_export_count(p, PLAN_SEC_FILE); i++) {
		struct plan_rule *r = rule_at(pl, PLAN_SEC_FILE, i);
		struct file_rule_view v;
		char sub[128] = "";
		int err = 0;

		if (file_rule_read(p, c, i, &v) < 0) {
			file_rule_free(&v);
			return snprintf(why, why_len, "rule '%s' cannot be read", r->name), -EINVAL;
		}
		if (!(v.ops & PLAN_WRITE_OPS) || r->decision == DECISION_DENY) {
			file_rule_free(&v);
			continue;
		}
		if (r->decision == DECISION_REDIRECT || r->decision == DECISION_SOFT_DELETE) {
			snprintf(why, why_len, "file rule '%s' is %s", r->name,
				 decision_name(r->decision));
			err = -EINVAL;
		} else if (ll_rule_paths(&v, pl, sub, sizeof(sub)) < 0) {
			snprintf(why, why_len, "file rule '%s': %s", r->name, sub);
			err = -EINVAL;
		}
		file_rule_free(&v);
		if (err)
			return err;
	}
	for (size_t i = 0; i < policy_export_count(p, PLAN_SEC_UNIX); i++) {
		const char *name;
		enum decision d;

		policy_export_head(p, PLAN_SEC_UNIX, i, &name, &d);
		if (d != DECISION_DENY) {
			snprintf(why, why_len, "unix_socket_rules '%s' may bind a socket file", name);
			return -EINVAL;
		}
	}
	return 0;
}

/* TCP connect: every rule that lets a connect through must name its ports. */
static int ll_connect_ports(const struct policy *p, struct plan *pl, char *why, size_t why_len)
{
	size_t n = policy_export_count(p, PLAN_SEC_NETWORK);

	if (policy_export_count(p, PLAN_SEC_CONNECT_REDIRECT) ||
	    policy_export_count(p, PLAN_SEC_DNS_REDIRECT))
		return snprintf(why, why_len, "redirects rewrite addresses"), -EINVAL;
	for (size_t i = 0; i < n; i++) {
		struct plan_rule *r = rule_at(pl, PLAN_SEC_NETWORK, i);
		long ports[32];
		size_t np, nd, nc;

		if (r->decision == DECISION_DENY)
			continue;
		if (policy_export_net_rule(p, i, ports, ARRAY_SIZE(ports), &np, &nd, &nc) < 0 ||
		    np == 0)
			return snprintf(why, why_len, "network rule '%s' allows every port",
					r->name),
			       -EINVAL;
		for (size_t k = 0; k < np; k++) {
			if (pl->ll.n_connect >= PLAN_MAX_LL_PORTS)
				return snprintf(why, why_len, "too many ports"), -E2BIG;
			pl->ll_ports[pl->ll.n_connect++] = (uint16_t)ports[k];
		}
	}
	return n ? 0 : (snprintf(why, why_len, "no network_rules"), -ENOENT);
}

static void ll_mark(struct plan *pl, int section)
{
	for (size_t k = 0; k < pl->nrules; k++)
		if (pl->rules[k].section == section_names[section]) {
			pl->rules[k].kernel_layer = true;
		}
}

static void plan_landlock(const struct policy *p, const struct detect_result *dr,
			  const struct plan_config *c, struct plan *pl)
{
	char *why_fs = pl->ll_fs_why, *why_net = pl->ll_net_why;
	size_t len = sizeof(pl->ll_fs_why);

	pl->ll.paths = pl->ll_paths;
	pl->ll.connect_ports = pl->ll_ports;
	if (ll_add_path(pl, "/", LANDLOCK_PERM_READ | LANDLOCK_PERM_EXECUTE) < 0)
		return;
	if (ll_file_writes(p, c, pl, why_fs, len) == 0) {
		pl->ll.restrict_fs = true;
		ll_mark(pl, PLAN_SEC_FILE);
	} else {
		pl->ll.n_paths = 1;
	}
	if (dr->landlock_network && ll_connect_ports(p, pl, why_net, len) == 0) {
		pl->ll.restrict_connect = true;
		ll_mark(pl, PLAN_SEC_NETWORK);
	} else {
		pl->ll.n_connect = 0;
		if (!dr->landlock_network)
			snprintf(why_net, len, "Landlock ABI < 4 has no TCP rules");
	}
	pl->landlock = pl->ll.restrict_fs || pl->ll.restrict_connect;
	if (!pl->landlock)
		snprintf(pl->off[PLAN_BE_LANDLOCK], sizeof(pl->off[0]), "writes: %s; connect: %s",
			 why_fs, why_net);
}

/* Network rules without domains or redirects go to the kernel as well. */
static void plan_ebpf(const struct policy *p, const struct detect_result *dr, struct plan *pl)
{
	char *why = pl->off[PLAN_BE_EBPF];
	size_t len = sizeof(pl->off[0]);

	if (!p) {
		snprintf(why, len, "no policy: nothing to restrict");
		return;
	}
	pl->ebpf_rules = calloc(EBPF_MAX_RULES, sizeof(*pl->ebpf_rules));
	if (!pl->ebpf_rules) {
		snprintf(why, len, "out of memory");
		return;
	}
	if (ebpf_rules_build(p, pl->ebpf_rules, EBPF_MAX_RULES, &pl->ebpf_nrules,
			     &pl->ebpf_default, why, len) < 0)
		return;
	snprintf(pl->ebpf_cgroup_parent, sizeof(pl->ebpf_cgroup_parent), "%s", dr->cgroup2_path);
	pl->ebpf = true;
	for (size_t k = 0; k < pl->nrules; k++)
		if (pl->rules[k].section == section_names[PLAN_SEC_NETWORK])
			pl->rules[k].ebpf_layer = true;
}

/* Could glob g match a path in the workspace ws? Its literal prefix decides. */
static bool glob_reaches(const char *g, const char *ws)
{
	size_t lit = strcspn(g, "*?[]{}\\"), wl = strlen(ws);

	while (lit && g[lit] && g[lit - 1] != '/')
		lit--; /* a partial segment before a wildcard: compare the directory */
	if (lit >= wl)
		return strncmp(g, ws, wl) == 0 && (g[wl] == '/' || g[wl] == 0);
	return strncmp(ws, g, lit) == 0 && (!g[lit] ? ws[lit] == '/' || !ws[lit] : true);
}

static void fuse_mark(const struct policy *p, const struct plan_config *c, struct plan *pl)
{
	for (size_t i = 0; i < policy_export_count(p, PLAN_SEC_FILE); i++) {
		struct plan_rule *r = rule_at(pl, PLAN_SEC_FILE, i);
		struct file_rule_view v;

		if (file_rule_read(p, c, i, &v) < 0)
			r->fuse_layer = true; /* unreadable: assume it reaches the workspace */
		else
			for (size_t k = 0; k < v.np; k++)
				r->fuse_layer |= glob_reaches(v.paths[k], pl->fuse_workspace);
		file_rule_free(&v);
	}
}

/* The workspace mounted through the FUSE layer: every file op in it is decided again. */
static void plan_fuse(const struct policy *p, const struct plan_config *c, struct plan *pl)
{
	char *why = pl->off[PLAN_BE_FUSE], real[PATH_MAX];
	size_t len = sizeof(pl->off[0]);
	const char *ws = c->vars ? c->vars->project_root : NULL;

	if (c->attach) {
		snprintf(why, len, "attach: no mount can be made in a running process's namespace");
		return;
	}
	if (pl->mode >= PLAN_MODE_FULL && !c->fuse_enabled) {
		snprintf(why, len, "off in full/auto unless sandbox.fuse.enabled is true");
		return;
	}
	if (!p || !policy_export_count(p, PLAN_SEC_FILE)) {
		snprintf(why, len, "%s", p ? "the policy has no file_rules" : "no policy: nothing to enforce");
		return;
	}
	if (!ws || ws[0] != '/' || !realpath(ws, real)) {
		snprintf(why, len, "no usable workspace directory (%s)", ws ? ws : "none");
		return;
	}
	if (strcmp(real, "/") == 0 || strlen(real) >= sizeof(pl->fuse_workspace)) {
		snprintf(why, len, "the workspace cannot be /");
		return;
	}
	snprintf(pl->fuse_workspace, sizeof(pl->fuse_workspace), "%s", real);
	pl->fuse = true;
	fuse_mark(p, c, pl);
}

static enum plan_mode resolve_mode(enum plan_mode m, const struct detect_result *dr)
{
	if (m != PLAN_MODE_AUTO)
		return m;
	if (!dr->ptrace.ok)
		return PLAN_MODE_PTRACE; /* nothing can run; tracer_new reports it */
	return dr->seccomp.ok ? PLAN_MODE_FULL : PLAN_MODE_PTRACE;
}

void plan_static(const struct policy *p, bool arg_level_filter, bool static_allow_file,
		 bool static_allow_network, struct plan_static *out)
{
	const char *rule = NULL;

	memset(out, 0, sizeof(*out));
	if (arg_level_filter && !(out->read_open = policy_file_static_allow(p, FOP_OPEN | FOP_READ,
									    &rule)))
		snprintf(out->off[0], sizeof(out->off[0]),
			 "arg_level_filter: read-only opens stay decided (file rule '%s' may "
			 "decide them)", rule);
	if (static_allow_file) {
		out->file = true;
		for (unsigned bit = 1; out->file && bit <= FOP_ALL; bit <<= 1)
			out->file = policy_file_static_allow(p, bit, &rule);
		if (!out->file)
			snprintf(out->off[1], sizeof(out->off[1]),
				 "static_allow_file: file calls stay decided (file rule '%s' may "
				 "decide them)", rule);
	}
	if (static_allow_network)
		snprintf(out->off[2], sizeof(out->off[2]),
			 "static_allow_network: network calls stay decided (socket families, "
			 "addresses and unix sockets are judged by the tracer)");
}

int plan_build(const struct policy *p, const struct detect_result *dr,
	       const struct plan_config *c, enum plan_mode mode, struct plan *pl)
{
	int r;

	memset(pl, 0, sizeof(*pl));
	pl->requested = mode;
	pl->mode = resolve_mode(mode, dr);
	pl->prefilter = pl->mode != PLAN_MODE_PTRACE;
	pl->trace_execve = pl->trace_file = pl->trace_network = pl->trace_signal = true;
	r = rules_alloc(p, pl);
	if (r)
		return r;
	for (int b = PLAN_BE_NOTIFY; b < PLAN_BE_COUNT; b++) {
		const char *miss = backend_missing((enum plan_backend)b, dr);

		if (!mode_uses(pl->mode, (enum plan_backend)b))
			continue;
		if (*miss) {
			snprintf(pl->off[b], sizeof(pl->off[0]), "%s", miss);
			continue;
		}
		if (b == PLAN_BE_NOTIFY && p)
			plan_notify(p, c, pl);
		else if (b == PLAN_BE_NOTIFY)
			pl->notify_open = true;
		else if (b == PLAN_BE_LANDLOCK && p)
			plan_landlock(p, dr, c, pl);
		else if (b == PLAN_BE_LANDLOCK)
			snprintf(pl->off[b], sizeof(pl->off[0]), "no policy: nothing to restrict");
		else if (b == PLAN_BE_EBPF)
			plan_ebpf(p, dr, pl);
		else if (b == PLAN_BE_FUSE)
			plan_fuse(p, c, pl);
	}
	return 0;
}

void plan_free(struct plan *pl)
{
	for (size_t k = 0; k < PLAN_MAX_LL_PATHS; k++)
		free(pl->ll_path_text[k]);
	free(pl->rules);
	free(pl->ebpf_rules);
	memset(pl, 0, sizeof(*pl));
}
