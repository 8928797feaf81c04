/* agentsh detect --plan: the partition of a policy over the backends, as a table. */
#include "compat.h"
#include "enforce/plan.h"

#include <stdio.h>

static void write_backends(FILE *f, const struct plan *pl)
{
	fprintf(f, "  %-16s %s  %s\n", "ptrace", "✓",
		pl->prefilter ? "seccomp prefilter + ptrace stops" : "a stop at every syscall");
	fprintf(f, "  %-16s %s  %s\n", "seccomp-notify", pl->notify_open ? "✓" : "-",
		pl->notify_open ? "open, openat, openat2, creat (emulated with ADDFD)"
				: pl->off[PLAN_BE_NOTIFY]);
	fprintf(f, "  %-16s %s  ", "landlock", pl->landlock ? "✓" : "-");
	if (!pl->landlock) {
		fprintf(f, "%s\n", pl->off[PLAN_BE_LANDLOCK]);
	} else {
		if (pl->ll.restrict_fs)
			fprintf(f, "writes limited to %zu path(s)", pl->ll.n_paths - 1);
		else
			fprintf(f, "writes not restricted (%s)", pl->ll_fs_why);
		if (pl->ll.restrict_connect)
			for (size_t i = 0; i < pl->ll.n_connect; i++)
				fprintf(f, "%s%u", i ? "," : "; TCP connect ports ", pl->ll_ports[i]);
		else
			fprintf(f, "; connect not restricted (%s)", pl->ll_net_why);
		fprintf(f, "\n");
	}
	if (pl->ebpf)
		fprintf(f, "  %-16s ✓  cgroup connect4/6 + sendmsg4/6: %zu network rule(s), default %s\n",
			"ebpf", pl->ebpf_nrules, pl->ebpf_default == EBPF_DENY ? "deny" : "allow");
	else
		fprintf(f, "  %-16s -  %s\n", "ebpf",
			pl->off[PLAN_BE_EBPF][0] ? pl->off[PLAN_BE_EBPF] : "not requested by this mode");
	if (pl->fuse)
		fprintf(f, "  %-16s ✓  workspace %s mounted through the layer (file ops decided again)\n",
			"fuse", pl->fuse_workspace);
	else
		fprintf(f, "  %-16s -  %s\n", "fuse",
			pl->off[PLAN_BE_FUSE][0] ? pl->off[PLAN_BE_FUSE] : "not requested by this mode");
}

/* Every layer under the tracer that also enforces r. */
static const char *layers_of(const struct plan_rule *r, const struct plan *pl)
{
	static char buf[64];

	snprintf(buf, sizeof(buf), "%s%s%s%s%s", r->kernel_layer ? "landlock" : "",
		 r->kernel_layer && (r->ebpf_layer || (pl->fuse && r->fuse_layer)) ? "+" : "",
		 r->ebpf_layer ? "ebpf" : "", r->ebpf_layer && pl->fuse && r->fuse_layer ? "+" : "",
		 pl->fuse && r->fuse_layer ? "fuse" : "");
	return buf[0] ? buf : "-";
}

static void write_landlock_paths(FILE *f, const struct plan *pl)
{
	if (!pl->ll.restrict_fs)
		return;
	fprintf(f, "\nLANDLOCK WRITE SUBTREES (kernel layer; everything else read/execute only)\n");
	for (size_t i = 1; i < pl->ll.n_paths; i++)
		fprintf(f, "  %s\n", pl->ll_paths[i].path);
}

void plan_write(FILE *f, const struct plan *pl)
{
	fprintf(f, "Mode:           %s", plan_mode_name(pl->mode));
	if (pl->requested != pl->mode)
		fprintf(f, " (requested %s)", plan_mode_name(pl->requested));
	fprintf(f, "\n\nBACKENDS\n");
	write_backends(f, pl);
	fprintf(f, "\nTRACED CLASSES  %s%s%s%s\n", pl->trace_execve ? "execve " : "",
		pl->trace_file ? "file " : "", pl->trace_network ? "network " : "",
		pl->trace_signal ? "signal" : "");
	fprintf(f, "  (every decided op stays observed so each mode writes the same events)\n");
	fprintf(f, "\nRULES\n");
	fprintf(f, "  %-18s %-28s %-12s %-16s %s\n", "SECTION", "RULE", "DECISION", "DECIDED BY",
		"KERNEL LAYER");
	for (size_t i = 0; i < pl->nrules; i++) {
		const struct plan_rule *r = &pl->rules[i];
		const char *d = decision_name(r->decision);

		fprintf(f, "  %-18s %-28s %-12s %-16s %s\n", r->section, r->name[0] ? r->name : "-",
			d ? d : "?", plan_backend_name(r->backend), layers_of(r, pl));
	}
	write_landlock_paths(f, pl);
}
