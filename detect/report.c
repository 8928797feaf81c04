/* The detect report as a cJSON tree (compat.md §7), shared by the JSON and YAML writers. */
#include "compat.h"
#include "detect/detect.h"
#include "detect/report.h"

#include <cjson/cJSON.h>
#include <stdio.h>

enum cap_kind { CAP_BOOL, CAP_INT, CAP_ABI, CAP_STR };

struct cap_entry {
	const char *key;
	enum cap_kind kind;
	long num;
	const char *str;
};

#define CAPB(k, v) { .key = k, .kind = CAP_BOOL, .num = (v) }
#define CAPI(k, v) { .key = k, .kind = CAP_INT, .num = (v) }
#define CAPS(k, v) { .key = k, .kind = CAP_STR, .str = (v) }

static const char *fuse_method_name(const struct detect_result *r)
{
	static const char *const names[] = { "none", "fusermount", "new-api", "direct" };

	return r->fuse.ok ? names[r->fuse_method] : "none";
}

static bool has_cap(const struct detect_result *r, int cap)
{
	return r->cap_effective & (1ULL << cap);
}

/* The flat capabilities map, already in key order (Go sorts map keys; so do we). */
static size_t cap_entries(const struct detect_result *r, const struct detect_model *m,
			  struct cap_entry *e)
{
	const struct cap_entry all[] = {
		CAPB("cap_bpf", has_cap(r, DETECT_CAP_BPF)),
		CAPB("cap_sys_admin", has_cap(r, DETECT_CAP_SYS_ADMIN)),
		CAPB("cap_sys_ptrace", has_cap(r, DETECT_CAP_SYS_PTRACE)),
		CAPB("capabilities_drop", r->caps.ok),
		CAPB("cgroups_v2", r->cgroup2.ok),
		CAPS("cgroups_v2_controllers", r->cgroup2_controllers),
		CAPS("cgroups_v2_path", r->cgroup2_mounted ? r->cgroup2_path : ""),
		CAPB("ebpf", r->ebpf.ok),
		CAPS("file_enforcement", m->domains[0].active),
		CAPB("fuse", r->fuse.ok),
		CAPS("fuse_mount_method", fuse_method_name(r)),
		CAPB("gvisor", r->gvisor.ok),
		CAPB("landlock", r->landlock.ok),
		{ .key = "landlock_abi", .kind = CAP_ABI, .num = r->landlock_abi },
		CAPB("landlock_network", r->landlock_network),
		CAPB("pid_namespace", r->pid_namespace.ok),
		CAPB("ptrace", r->ptrace.ok),
		CAPB("seccomp", r->seccomp_notify.ok),
		CAPB("seccomp_basic", r->seccomp.ok),
		CAPB("seccomp_user_notify", r->seccomp_notify.ok),
		CAPI("yama_ptrace_scope", r->yama_ptrace_scope),
	};

	memcpy(e, all, sizeof(all));
	return ARRAY_SIZE(all);
}

static cJSON *backend_json(const struct detect_backend *b)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "name", b->name);
	cJSON_AddBoolToObject(o, "available", b->available);
	cJSON_AddStringToObject(o, "detail", b->detail);
	cJSON_AddStringToObject(o, "description", b->description);
	cJSON_AddStringToObject(o, "check_method", b->check_method);
	return o;
}

static cJSON *domain_json(const struct detect_domain *d)
{
	cJSON *o = cJSON_CreateObject(), *arr;

	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddNumberToObject(o, "weight", d->weight);
	cJSON_AddNumberToObject(o, "score", d->score);
	arr = cJSON_AddArrayToObject(o, "backends");
	for (int i = 0; i < d->n_backends; i++)
		cJSON_AddItemToArray(arr, backend_json(&d->backends[i]));
	cJSON_AddStringToObject(o, "active", d->active);
	return o;
}

static cJSON *caps_json(const struct detect_result *r, const struct detect_model *m)
{
	struct cap_entry e[32];
	size_t n = cap_entries(r, m, e);
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < n; i++) {
		if (e[i].kind == CAP_BOOL)
			cJSON_AddBoolToObject(o, e[i].key, e[i].num != 0);
		else if (e[i].kind == CAP_STR)
			cJSON_AddStringToObject(o, e[i].key, e[i].str);
		else
			cJSON_AddNumberToObject(o, e[i].key, (double)e[i].num);
	}
	return o;
}

static cJSON *summary_json(const struct detect_model *m)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *av = cJSON_AddArrayToObject(o, "available");
	cJSON *un = cJSON_AddArrayToObject(o, "unavailable");

	for (int i = 0; i < DETECT_NUM_DOMAINS; i++) {
		const struct detect_domain *d = &m->domains[i];

		for (int j = 0; j < d->n_backends; j++)
			cJSON_AddItemToArray(d->backends[j].available ? av : un,
					     cJSON_CreateString(d->backends[j].name));
	}
	return o;
}

static cJSON *tips_json(const struct detect_model *m)
{
	cJSON *arr = cJSON_CreateArray();

	for (int i = 0; i < m->n_tips; i++) {
		cJSON *t = cJSON_CreateObject();

		cJSON_AddStringToObject(t, "feature", m->tips[i].feature);
		cJSON_AddStringToObject(t, "status", m->tips[i].status);
		cJSON_AddStringToObject(t, "impact", m->tips[i].impact);
		cJSON_AddStringToObject(t, "action", m->tips[i].action);
		cJSON_AddItemToArray(arr, t);
	}
	return arr;
}

cJSON *detect_report_tree(const struct detect_result *r, const struct detect_model *m)
{
	cJSON *root = cJSON_CreateObject(), *domains;

	cJSON_AddStringToObject(root, "platform", m->platform);
	cJSON_AddStringToObject(root, "security_mode", detect_mode_name(m->mode));
	cJSON_AddNumberToObject(root, "protection_score", m->score);
	domains = cJSON_AddArrayToObject(root, "domains");
	for (int i = 0; i < DETECT_NUM_DOMAINS; i++)
		cJSON_AddItemToArray(domains, domain_json(&m->domains[i]));
	cJSON_AddItemToObject(root, "capabilities", caps_json(r, m));
	cJSON_AddItemToObject(root, "summary", summary_json(m));
	cJSON_AddItemToObject(root, "tips", tips_json(m));
	return root;
}

/* Table form of one capability: ✓/- for flags, ✓ (vN) for the Landlock ABI. */
void detect_report_caps_table(FILE *out, const struct detect_result *r,
			      const struct detect_model *m)
{
	struct cap_entry e[32];
	size_t n = cap_entries(r, m, e);

	for (size_t i = 0; i < n; i++) {
		if (e[i].kind == CAP_BOOL)
			fprintf(out, "  %-24s %s\n", e[i].key, e[i].num ? "✓" : "-");
		else if (e[i].kind == CAP_ABI && e[i].num > 0)
			fprintf(out, "  %-24s ✓ (v%ld)\n", e[i].key, e[i].num);
		else if (e[i].kind == CAP_STR)
			fprintf(out, "  %-24s %s\n", e[i].key, e[i].str[0] ? e[i].str : "-");
		else
			fprintf(out, "  %-24s %ld\n", e[i].key, e[i].num);
	}
}
