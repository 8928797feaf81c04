/* Probes read from /proc and simple syscalls: PID namespace, capabilities, gVisor. */
#include "compat.h"
#include "detect/detect.h"

#include <linux/capability.h>
#include <stdio.h>
#include <sys/klog.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

void detect_probe_pidns(struct detect_result *r)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[512];
	int levels = 0;

	if (!f) {
		detect_set(&r->pid_namespace, false, "/proc/self/status: %s", strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char *save = NULL;

		if (strncmp(line, "NSpid:", 6) != 0)
			continue;
		for (char *t = strtok_r(line + 6, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save))
			levels++;
	}
	fclose(f);
	r->pidns_depth = levels > 0 ? levels - 1 : 0;
	if (levels == 0)
		detect_set(&r->pid_namespace, false, "%s", "no NSpid in /proc/self/status");
	else if (r->pidns_depth == 0)
		detect_set(&r->pid_namespace, false, "%s", "not nested");
	else
		detect_set(&r->pid_namespace, true, "depth %d", r->pidns_depth);
}

static int read_cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1 || v < 0 || v > 63)
			v = -1;
		fclose(f);
	}
	return v;
}

static int capget_effective(uint64_t *eff)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	*eff = (uint64_t)data[0].effective | ((uint64_t)data[1].effective << 32);
	return 0;
}

static int count_missing(uint64_t set, uint64_t full)
{
	return __builtin_popcountll(full & ~set);
}

void detect_probe_caps(struct detect_result *r)
{
	uint64_t full;
	int err = capget_effective(&r->cap_effective);

	if (err < 0) {
		detect_set(&r->caps, false, "capget: %s", strerror(-err));
		return;
	}
	r->cap_last = read_cap_last();
	if (r->cap_last < 0) {
		r->cap_last = 40; /* CAP_CHECKPOINT_RESTORE, the last one as of Linux 6.x */
	}
	full = r->cap_last >= 63 ? ~0ULL : (1ULL << (r->cap_last + 1)) - 1;
	for (int c = 0; c <= r->cap_last; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			r->cap_bounding |= 1ULL << c;
	r->caps_dropped_effective = count_missing(r->cap_effective, full);
	r->caps_dropped_bounding = count_missing(r->cap_bounding, full);
	if (r->caps_dropped_effective == r->caps_dropped_bounding && r->caps_dropped_effective)
		detect_set(&r->caps, true, "%d/%d dropped", r->caps_dropped_effective,
			   r->cap_last + 1);
	else if (r->caps_dropped_effective || r->caps_dropped_bounding)
		detect_set(&r->caps, true, "%d eff %d bnd /%d", r->caps_dropped_effective,
			   r->caps_dropped_bounding, r->cap_last + 1);
	else
		detect_set(&r->caps, false, "0/%d dropped", r->cap_last + 1);
}

/* gVisor's Sentry answers syslog(2) with its own boot log, which starts "Starting gVisor...". */
static bool gvisor_syslog(void)
{
	enum { LOG_BYTES = 64 * 1024 };
	char *buf = malloc(LOG_BYTES + 1);
	bool found = false;
	int n;

	if (!buf)
		return false;
	n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, LOG_BYTES);
	if (n > 0) {
		buf[n] = '\0';
		found = strstr(buf, "Starting gVisor") != NULL;
	}
	free(buf);
	return found;
}

/* The Sentry's /proc/version is "Linux version 4.4.0 #1 SMP Sun Jan 10 15:06:54 PST 2016":
 * no "(builder@host) (compiler)" part, which every real kernel has. */
static bool gvisor_proc_version(void)
{
	FILE *f = fopen("/proc/version", "re");
	char line[512] = "";
	bool ok;

	if (!f)
		return false;
	ok = fgets(line, sizeof(line), f) != NULL;
	fclose(f);
	return ok && !strchr(line, '(') && strstr(line, "#1 SMP Sun Jan 10 15:06:54 PST 2016");
}

void detect_probe_gvisor(struct detect_result *r)
{
	if (gvisor_syslog())
		detect_set(&r->gvisor, true, "%s", "dmesg: Starting gVisor");
	else if (gvisor_proc_version())
		detect_set(&r->gvisor, true, "%s", "/proc/version");
	else
		detect_set(&r->gvisor, false, "%s", "host kernel");
}
