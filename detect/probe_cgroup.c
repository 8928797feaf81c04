/* cgroup v2: found through /proc/self/mountinfo (never assumed at /sys/fs/cgroup). */
#include "compat.h"
#include "detect/detect.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/statfs.h>

#define PROBE_CGROUP2_MAGIC 0x63677270

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*w++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*w++ = *s;
		}
	}
	*w = '\0';
}

/* One mountinfo line: "id parent maj:min root mountpoint opts [optional...] - fstype src super". */
static bool parse_cgroup2_line(char *line, char *root, size_t rlen, char *mnt, size_t mlen)
{
	char *sep = strstr(line, " - "), *save = NULL, *f[5];
	int i;

	if (!sep || strncmp(sep + 3, "cgroup2 ", 8) != 0)
		return false;
	*sep = '\0';
	for (i = 0; i < 5; i++) {
		f[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!f[i])
			return false;
	}
	unescape_octal(f[3]);
	unescape_octal(f[4]);
	snprintf(root, rlen, "%s", f[3]);
	snprintf(mnt, mlen, "%s", f[4]);
	return true;
}

static bool find_cgroup2_mount(char *root, size_t rlen, char *mnt, size_t mlen)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		found = parse_cgroup2_line(line, root, rlen, mnt, mlen);
	}
	fclose(f);
	return found;
}

/* Our cgroup in the unified hierarchy: the "0::/path" line of /proc/self/cgroup. */
static bool own_cgroup(char *out, size_t len)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[4096];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = snprintf(out, len, "%s", line + 3) < (int)len;
	}
	fclose(f);
	return found;
}

static int read_small(const char *dir, const char *name, char *buf, size_t len)
{
	char path[DETECT_PATH_MAX + 64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Joins the mount point with our cgroup path, minus the mount's own root (cgroup namespaces). */
static bool cgroup_dir(struct detect_result *r, const char *root, const char *cg)
{
	size_t rl = strlen(root);

	if (strcmp(root, "/") != 0 && strncmp(cg, root, rl) == 0)
		cg += rl;
	if (strcmp(cg, "/") == 0)
		cg = "";
	return snprintf(r->cgroup2_path, sizeof(r->cgroup2_path), "%s%s", r->cgroup2_mount, cg) <
	       (int)sizeof(r->cgroup2_path);
}

static int probe_mkdir(const char *parent)
{
	char path[DETECT_PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/agentsh-probe-%d", parent, (int)getpid());
	if (mkdir(path, 0700) < 0)
		return -errno;
	return rmdir(path) < 0 ? -errno : 0;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static void limit_controllers(const char *ctl, char *out, size_t len)
{
	static const char *const wanted[] = { "cpu", "memory", "pids", "io" };

	out[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
		if (has_word(ctl, wanted[i]))
			snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? " " : "",
				 wanted[i]);
}

static void check_usable(struct detect_result *r)
{
	char buf[256], limits[64];
	struct statfs sfs;
	int err;

	if (statfs(r->cgroup2_path, &sfs) < 0 || sfs.f_type != PROBE_CGROUP2_MAGIC) {
		detect_set(&r->cgroup2, false, "%s is not cgroup2", r->cgroup2_path);
		return;
	}
	if ((err = read_small(r->cgroup2_path, "cgroup.procs", buf, sizeof(buf))) < 0) {
		detect_set(&r->cgroup2, false, "cgroup.procs: %s", strerror(-err));
		return;
	}
	read_small(r->cgroup2_path, "cgroup.controllers", r->cgroup2_controllers,
		   sizeof(r->cgroup2_controllers));
	err = probe_mkdir(r->cgroup2_path);
	r->cgroup2_writable = err == 0;
	limit_controllers(r->cgroup2_controllers, limits, sizeof(limits));
	if (err < 0)
		detect_set(&r->cgroup2, false, "cannot create cgroup: %s", strerror(-err));
	else if (!limits[0])
		detect_set(&r->cgroup2, false, "no cpu/mem/pids");
	else
		detect_set(&r->cgroup2, true, "%s", limits);
}

void detect_probe_cgroup2(struct detect_result *r)
{
	char root[DETECT_PATH_MAX], cg[DETECT_PATH_MAX];

	if (!find_cgroup2_mount(root, sizeof(root), r->cgroup2_mount, sizeof(r->cgroup2_mount))) {
		detect_set(&r->cgroup2, false, "%s", "not mounted");
		return;
	}
	r->cgroup2_mounted = true;
	if (!own_cgroup(cg, sizeof(cg)))
		snprintf(cg, sizeof(cg), "/");
	if (!cgroup_dir(r, root, cg)) {
		detect_set(&r->cgroup2, false, "%s", "cgroup path too long");
		return;
	}
	check_usable(r);
}
