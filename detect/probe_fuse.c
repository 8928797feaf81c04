/* FUSE: /dev/fuse openable, then how a mount would be made (fusermount3, fsopen, mount). */
#include "compat.h"
#include "detect/detect.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>

static bool on_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096], *save = NULL, *dir;

	snprintf(buf, sizeof(buf), "%s", path && *path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (dir = strtok_r(buf, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char full[4352];

		snprintf(full, sizeof(full), "%s/%s", dir, name);
		if (access(full, X_OK) == 0)
			return true;
	}
	return false;
}

/* fsopen("fuse") needs CAP_SYS_ADMIN and the fuse filesystem type; nothing is mounted. */
static bool new_mount_api(void)
{
	int fd = fsopen("fuse", FSOPEN_CLOEXEC);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* mount(2) of an unknown type: ENODEV means the call itself is allowed (no seccomp EPERM). */
static bool direct_mount(const struct detect_result *r)
{
	if (!(r->cap_effective & (1ULL << DETECT_CAP_SYS_ADMIN)))
		return false;
	return mount("agentsh-probe", "/", "agentsh-probe", 0, NULL) < 0 && errno == ENODEV;
}

static const char *const method_names[] = {
	[DETECT_FUSE_NONE] = "none",
	[DETECT_FUSE_FUSERMOUNT] = "fusermount",
	[DETECT_FUSE_NEW_API] = "new-api",
	[DETECT_FUSE_DIRECT] = "direct",
};

void detect_probe_fuse(struct detect_result *r)
{
	int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	int err = errno;

	r->dev_fuse = fd >= 0;
	safe_close(fd);
	r->fusermount = on_path("fusermount3") || on_path("fusermount");
	if (!r->dev_fuse) {
		detect_set(&r->fuse, false, "/dev/fuse: %s", strerror(err));
		return;
	}
	if (r->fusermount)
		r->fuse_method = DETECT_FUSE_FUSERMOUNT;
	else if (new_mount_api())
		r->fuse_method = DETECT_FUSE_NEW_API;
	else if (direct_mount(r))
		r->fuse_method = DETECT_FUSE_DIRECT;
	if (r->fuse_method == DETECT_FUSE_NONE)
		detect_set(&r->fuse, false, "%s", "no fusermount3, no mount privilege");
	else
		detect_set(&r->fuse, true, "%s", method_names[r->fuse_method]);
}
