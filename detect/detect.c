#include "compat.h"
#include "detect/detect.h"

#include <stdarg.h>
#include <time.h>

struct probe_entry {
	void (*run)(struct detect_result *r);
	struct detect_probe *(*slot)(struct detect_result *r);
};

#define SLOT(field)                                                                                \
	static struct detect_probe *slot_##field(struct detect_result *r)                          \
	{                                                                                          \
		return &r->field;                                                                  \
	}
SLOT(caps)
SLOT(ptrace)
SLOT(seccomp)
SLOT(landlock)
SLOT(cgroup2)
SLOT(ebpf)
SLOT(fuse)
SLOT(pid_namespace)
SLOT(gvisor)
#undef SLOT

/* Order matters: caps first (others read the capability sets), cgroup2 before ebpf. */
static const struct probe_entry probes[] = {
	{ detect_probe_caps, slot_caps },	  { detect_probe_ptrace, slot_ptrace },
	{ detect_probe_seccomp, slot_seccomp },	  { detect_probe_landlock, slot_landlock },
	{ detect_probe_cgroup2, slot_cgroup2 },	  { detect_probe_ebpf, slot_ebpf },
	{ detect_probe_fuse, slot_fuse },	  { detect_probe_pidns, slot_pid_namespace },
	{ detect_probe_gvisor, slot_gvisor },
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

bool detect_set(struct detect_probe *p, bool ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
	p->ok = ok;
	return ok;
}

void detect_run(struct detect_result *r)
{
	double start = now_ms();

	memset(r, 0, sizeof(*r));
	r->yama_ptrace_scope = -1;
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		double t = now_ms();

		probes[i].run(r);
		probes[i].slot(r)->ms = now_ms() - t;
	}
	r->total_ms = now_ms() - start;
}
