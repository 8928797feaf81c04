/* The detect model (compat.md §7): five weighted domains, score, active backends, tips, mode. */
#include "compat.h"
#include "detect/detect.h"

#include <stdarg.h>
#include <stdio.h>

struct tip_def {
	const char *backend;
	const char *feature;
	const char *impact;
	const char *action;
};

/* One row per backend: shown when its domain scores 0 (more backends add redundancy, not points). */
static const struct tip_def tip_defs[] = {
	{ "fuse", "fuse", "Fine-grained filesystem control disabled",
	  "Install FUSE3: apt install fuse3 (Debian/Ubuntu), dnf install fuse3 (Fedora)" },
	{ "landlock", "landlock", "Kernel path restrictions disabled",
	  "Requires kernel 5.13+ with Landlock in the lsm= boot list" },
	{ "seccomp-notify", "seccomp-notify", "Seccomp-based file enforcement disabled",
	  "Run in privileged container or on host for seccomp support" },
	{ "seccomp-execve", "seccomp", "Syscall filtering disabled (likely nested container)",
	  "Run in privileged container or on host for full seccomp support" },
	{ "ptrace", "ptrace", "Syscall-level enforcement via ptrace unavailable",
	  "Add SYS_PTRACE capability" },
	{ "ebpf", "ebpf", "Network monitoring disabled",
	  "Requires CAP_BPF (or CAP_SYS_ADMIN) and cgroups v2. Run as root or with elevated "
	  "privileges." },
	{ "landlock-network", "landlock-network", "Kernel-level network restrictions disabled",
	  "Requires kernel 6.7+ (Landlock ABI v4)" },
	{ "cgroups-v2", "cgroups-v2", "Resource limits unavailable",
	  "Enable cgroups v2 in kernel or container runtime, with the cpu, memory and pids "
	  "controllers delegated to it" },
	{ "pid-namespace", "pid-namespace", "Process isolation unavailable",
	  "Run in a PID namespace (unshare -p, or a container runtime)" },
	{ "capability-drop", "capability-drop",
	  "Process retains full Linux capabilities (privilege reduction inactive)",
	  "Start agentsh with a reduced capability set (docker run --cap-drop=ALL --cap-add="
	  "SYS_PTRACE, systemd CapabilityBoundingSet=, or an unprivileged user)" },
};

static const char *const mode_names[] = {
	[DETECT_MODE_MINIMAL] = "minimal",   [DETECT_MODE_LANDLOCK_ONLY] = "landlock-only",
	[DETECT_MODE_LANDLOCK] = "landlock", [DETECT_MODE_PTRACE] = "ptrace",
	[DETECT_MODE_FULL] = "full",
};

const char *detect_mode_name(enum detect_mode mode)
{
	return mode_names[mode];
}

int detect_mode_parse(const char *s, enum detect_mode *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++) {
		if (s && strcmp(s, mode_names[i]) == 0) {
			*out = (enum detect_mode)i;
			return 0;
		}
	}
	return -EINVAL;
}

bool detect_mode_supported(const struct detect_result *r, enum detect_mode mode)
{
	switch (mode) {
	case DETECT_MODE_FULL:
		return r->seccomp_notify.ok && r->ebpf.ok && r->fuse.ok;
	case DETECT_MODE_PTRACE:
		return r->ptrace.ok;
	case DETECT_MODE_LANDLOCK:
		return r->landlock.ok && r->fuse.ok;
	case DETECT_MODE_LANDLOCK_ONLY:
		return r->landlock.ok;
	case DETECT_MODE_MINIMAL:
		return true;
	}
	return false;
}

enum detect_mode detect_select_mode(const struct detect_result *r)
{
	for (int m = DETECT_MODE_FULL; m > DETECT_MODE_MINIMAL; m--)
		if (detect_mode_supported(r, (enum detect_mode)m))
			return (enum detect_mode)m;
	return DETECT_MODE_MINIMAL;
}

static void set_backend(struct detect_domain *d, const char *name, const struct detect_probe *p,
			const char *detail, const char *description, const char *method)
{
	struct detect_backend *b = &d->backends[d->n_backends++];

	b->name = name;
	b->available = p->ok;
	snprintf(b->detail, sizeof(b->detail), "%s", detail ? detail : p->detail);
	b->description = description;
	b->check_method = method;
}

static const char *file_active(const struct detect_result *r)
{
	if (r->landlock.ok)
		return "landlock";
	if (r->fuse.ok)
		return "fuse";
	return r->seccomp_notify.ok ? "seccomp-notify" : "none";
}

static void build_file_and_command(const struct detect_result *r, struct detect_model *m)
{
	struct detect_domain *d = &m->domains[0];

	*d = (struct detect_domain){ .name = "File Protection", .weight = 25 };
	set_backend(d, "fuse", &r->fuse, NULL, "file interception, soft-delete, redirect", "probe");
	set_backend(d, "landlock", &r->landlock, NULL, "kernel path restrictions", "syscall");
	set_backend(d, "seccomp-notify", &r->seccomp_notify, NULL, "openat/stat enforcement",
		    "probe");
	d->active = file_active(r);

	d = &m->domains[1];
	*d = (struct detect_domain){ .name = "Command Control", .weight = 25 };
	/* seccomp-execve needs the user-notify listener, not just a filter. */
	set_backend(d, "seccomp-execve", &r->seccomp_notify, NULL, "execve interception", "probe");
	set_backend(d, "ptrace", &r->ptrace, NULL, "syscall tracing", "probe");
	if (m->mode == DETECT_MODE_PTRACE || (!r->seccomp_notify.ok && r->ptrace.ok))
		d->active = "ptrace";
	else
		d->active = r->seccomp_notify.ok ? "seccomp-execve" : "";
}

static void build_network_limits_isolation(const struct detect_result *r, struct detect_model *m)
{
	struct detect_probe llnet = { .ok = r->landlock_network };
	struct detect_domain *d = &m->domains[2];

	if (!r->landlock.ok)
		snprintf(llnet.detail, sizeof(llnet.detail), "no landlock");
	else if (!r->landlock_network)
		snprintf(llnet.detail, sizeof(llnet.detail), "ABI v%d < 4", r->landlock_abi);

	*d = (struct detect_domain){ .name = "Network", .weight = 20 };
	set_backend(d, "ebpf", &r->ebpf, NULL, "network monitoring", "probe");
	set_backend(d, "landlock-network", &llnet, NULL, "TCP bind/connect filtering", "syscall");
	d->active = r->ebpf.ok ? "ebpf" : r->landlock_network ? "landlock-network" : "";

	d = &m->domains[3];
	*d = (struct detect_domain){ .name = "Resource Limits", .weight = 15 };
	set_backend(d, "cgroups-v2", &r->cgroup2, NULL, "CPU/memory/process limits", "probe");
	d->active = r->cgroup2.ok ? "cgroups-v2" : "";

	d = &m->domains[4];
	*d = (struct detect_domain){ .name = "Isolation", .weight = 15 };
	set_backend(d, "pid-namespace", &r->pid_namespace, NULL, "process isolation", "probe");
	set_backend(d, "capability-drop", &r->caps, NULL, "privilege reduction", "probe");
	d->active = r->pid_namespace.ok ? "pid-namespace" : r->caps.ok ? "capability-drop" : "";
}

static const struct tip_def *tip_for(const char *backend)
{
	for (size_t i = 0; i < ARRAY_SIZE(tip_defs); i++)
		if (strcmp(tip_defs[i].backend, backend) == 0)
			return &tip_defs[i];
	return NULL;
}

static void add_tips(struct detect_model *m, const struct detect_domain *d)
{
	for (int i = 0; i < d->n_backends; i++) {
		const struct tip_def *t = tip_for(d->backends[i].name);
		struct detect_tip *out;

		if (d->backends[i].available || !t)
			continue;
		out = &m->tips[m->n_tips++];
		out->feature = t->feature;
		out->status = "unavailable";
		out->action = t->action;
		snprintf(out->impact, sizeof(out->impact), "%s (+%d pts)", t->impact, d->weight);
	}
}

void detect_model_build(const struct detect_result *r, struct detect_model *m)
{
	memset(m, 0, sizeof(*m));
	m->platform = "linux";
	m->mode = detect_select_mode(r);
	build_file_and_command(r, m);
	build_network_limits_isolation(r, m);
	for (int i = 0; i < DETECT_NUM_DOMAINS; i++) {
		struct detect_domain *d = &m->domains[i];

		for (int j = 0; j < d->n_backends; j++)
			if (d->backends[j].available)
				d->score = d->weight;
		m->score += d->score;
		if (d->score == 0)
			add_tips(m, d);
	}
}

static int PRINTF_LIKE(3, 4) mode_error(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -ENOTSUP;
}

static const char *mode_needs(enum detect_mode m)
{
	static const char *const needs[] = {
		[DETECT_MODE_MINIMAL] = "nothing",
		[DETECT_MODE_LANDLOCK_ONLY] = "landlock",
		[DETECT_MODE_LANDLOCK] = "landlock and fuse",
		[DETECT_MODE_PTRACE] = "ptrace",
		[DETECT_MODE_FULL] = "seccomp-notify, ebpf and fuse",
	};
	return needs[m];
}

int detect_resolve_mode(const struct detect_result *r, const char *requested, const char *minimum,
			bool strict, enum detect_mode *out, char *why, size_t why_len)
{
	enum detect_mode want, min = DETECT_MODE_MINIMAL;

	if (!requested || !*requested || strcmp(requested, "auto") == 0)
		want = detect_select_mode(r);
	else if (detect_mode_parse(requested, &want) < 0)
		return mode_error(why, why_len, "unknown security.mode '%s'", requested);
	if (minimum && *minimum && detect_mode_parse(minimum, &min) < 0)
		return mode_error(why, why_len, "unknown security.minimum_mode '%s'", minimum);
	if (!detect_mode_supported(r, want)) {
		if (strict)
			return mode_error(why, why_len, "security.mode %s needs %s on this machine",
					  detect_mode_name(want), mode_needs(want));
		want = detect_select_mode(r);
	}
	if (want < min)
		return mode_error(why, why_len,
				  "best available security mode is %s, below minimum_mode %s",
				  detect_mode_name(want), detect_mode_name(min));
	*out = want;
	return 0;
}
