/*
 * agentsh shim install-shell | uninstall-shell | status: put agentsh-shell-shim
 * in place of <root>/bin/sh (and bash), moving the real shells to *.real.
 * Never touches anything outside --root: every directory is resolved and
 * checked to lie under it.
 */
#include "compat.h"
#include "cli.h"
#include "log.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#define SHIM_MARKER "AGENTSH_SHELL_SHIM_MARKER_v1"
#define SHIM_MAX_SIZE (64L << 20)

static const char *const shim_dirs[] = {"bin", "usr/bin"};

struct shim_args {
	const char *root;
	const char *shim;
	bool sh, bash, force, dry_run, host_ok;
	int present; /* selected shells found under the root */
};

struct shim_target {
	char dir[PATH_MAX]; /* canonical, under the root */
	char path[PATH_MAX + 8];
	char real[PATH_MAX + 16];
};

static const struct {
	const char *flag;
	size_t off;
} shim_bools[] = {
    {"--force", offsetof(struct shim_args, force)},
    {"--dry-run", offsetof(struct shim_args, dry_run)},
    {"--i-understand-this-modifies-the-host", offsetof(struct shim_args, host_ok)},
    {"--bash", offsetof(struct shim_args, bash)},
};

static void shim_usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: agentsh shim install-shell [--root DIR] [--shim PATH] [--bash|--bash-only]\n"
	    "                                 [--force] [--dry-run]\n"
	    "                                 [--i-understand-this-modifies-the-host]\n"
	    "       agentsh shim uninstall-shell [--root DIR] [--bash|--bash-only] [--force] "
	    "[--dry-run]\n"
	    "       agentsh shim status [--root DIR]\n");
}

static bool shim_bool(const char *arg, struct shim_args *a)
{
	for (size_t k = 0; k < ARRAY_SIZE(shim_bools); k++)
		if (strcmp(arg, shim_bools[k].flag) == 0) {
			*(bool *)((char *)a + shim_bools[k].off) = true;
			return true;
		}
	return false;
}

static int shim_parse(int argc, char **argv, struct shim_args *a)
{
	for (int i = 2; i < argc; i++) {
		bool root = strcmp(argv[i], "--root") == 0;

		if (shim_bool(argv[i], a))
			continue;
		if (strcmp(argv[i], "--bash-only") == 0) {
			a->bash = true;
			a->sh = false;
		} else if ((root || strcmp(argv[i], "--shim") == 0) && i + 1 < argc) {
			*(root ? &a->root : &a->shim) = argv[++i];
		} else {
			log_error("unexpected argument '%s'", argv[i]);
			return -EINVAL;
		}
	}
	return 0;
}

static bool file_has_marker(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	bool found;

	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > SHIM_MAX_SIZE)
		return false;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return false;
	found = read(fd, buf, (size_t)st.st_size) == st.st_size &&
		memmem(buf, (size_t)st.st_size, SHIM_MARKER, strlen(SHIM_MARKER)) != NULL;
	free(buf);
	return found;
}

static bool exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static bool under_root(const char *dir, const char *root)
{
	size_t n = strlen(root);

	if (strcmp(root, "/") == 0)
		return true;
	return strncmp(dir, root, n) == 0 && (dir[n] == '/' || dir[n] == '\0');
}

/* Resolves <root>/<dir>; fails when it is missing or leads out of the root. */
static int target_init(struct shim_target *t, const char *root, const char *dir, const char *name)
{
	char raw[PATH_MAX * 2];

	snprintf(raw, sizeof(raw), "%s/%s", root, dir);
	if (!realpath(raw, t->dir))
		return -ENOENT;
	if (!under_root(t->dir, root)) {
		log_warn("skipping %s: it resolves to %s, outside the root %s", raw, t->dir, root);
		return -EXDEV;
	}
	snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, name);
	snprintf(t->real, sizeof(t->real), "%s/%s.real", t->dir, name);
	return 0;
}

static int copy_shim(const char *shim, const char *dest)
{
	char tmp[PATH_MAX + 32], buf[65536];
	_cleanup_close_ int in = open(shim, O_RDONLY | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	ssize_t n;

	if (in < 0)
		return log_errno(-errno, "cannot open shim '%s'", shim);
	snprintf(tmp, sizeof(tmp), "%s.agentsh-tmp", dest);
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0)
		return log_errno(-errno, "cannot create '%s'", tmp);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			break;
	if (n != 0 || fchmod(out, 0755) < 0 || fsync(out) < 0 || rename(tmp, dest) < 0) {
		int r = log_errno(-(errno ? errno : EIO), "cannot install the shim at '%s'", dest);

		unlink(tmp);
		return r;
	}
	return 0;
}

static int install_one(struct shim_args *a, const struct shim_target *t)
{
	bool is_shim = file_has_marker(t->path);
	bool have_real = exists(t->real);

	if (!exists(t->path))
		return 0;
	a->present++;
	if (have_real && !is_shim && !a->force) {
		log_error("%s exists but %s is not the shim; --force overwrites %s with the shim",
			  t->real, t->path, t->path);
		return -EEXIST;
	}
	if (have_real && is_shim && !a->force)
		return printf("already installed: %s (real shell: %s)\n", t->path, t->real), 0;
	if (!have_real && is_shim) {
		log_error("%s is the shim but %s is missing; restore the real shell first", t->path,
			  t->real);
		return -ENOENT;
	}
	if (a->dry_run) {
		if (!have_real)
			printf("would move %s to %s\n", t->path, t->real);
		return printf("would install %s at %s\n", a->shim, t->path), 0;
	}
	if (!have_real && rename(t->path, t->real) < 0)
		return log_errno(-errno, "cannot move %s to %s", t->path, t->real);
	if (copy_shim(a->shim, t->path) < 0) {
		if (!have_real)
			rename(t->real, t->path);
		return -EIO;
	}
	printf("installed shim at %s (real shell: %s)\n", t->path, t->real);
	return 0;
}

static int uninstall_one(struct shim_args *a, const struct shim_target *t)
{
	a->present += exists(t->path) || exists(t->real);
	if (!exists(t->real))
		return exists(t->path) ? printf("not installed: %s\n", t->path), 0 : 0;
	if (exists(t->path) && !file_has_marker(t->path) && !a->force) {
		log_error("%s is not the shim; --force replaces it with %s", t->path, t->real);
		return -EEXIST;
	}
	if (a->dry_run)
		return printf("would move %s back to %s\n", t->real, t->path), 0;
	if (rename(t->real, t->path) < 0)
		return log_errno(-errno, "cannot move %s back to %s", t->real, t->path);
	printf("restored %s\n", t->path);
	return 0;
}

static int status_one(struct shim_args *a, const struct shim_target *t)
{
	bool is_shim = file_has_marker(t->path), have_real = exists(t->real);

	a->present += exists(t->path);
	if (is_shim && have_real)
		printf("%s: installed (real shell: %s)\n", t->path, t->real);
	else if (is_shim)
		printf("%s: broken (shim without %s)\n", t->path, t->real);
	else if (exists(t->path))
		printf("%s: not installed%s\n", t->path,
		       have_real ? " (stale .real beside it)" : "");
	return 0;
}

static void status_conf(const char *root)
{
	char path[PATH_MAX + 32], line[512];
	FILE *f;
	bool force = false;

	snprintf(path, sizeof(path), "%s/etc/agentsh/shim.conf", strcmp(root, "/") ? root : "");
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f))
		force = force || strncmp(line, "force=true", 10) == 0 ||
			strncmp(line, "force = true", 12) == 0;
	printf("config %s: %s\n", path,
	       !f      ? "absent (routing only at a terminal or with "
			 "AGENTSH_SHIM_FORCE=1)"
	       : force ? "force=true (every sh -c is routed through agentsh)"
		       : "present, force off");
	if (f)
		fclose(f);
}

/* Runs fn on every distinct <root>/{bin,usr/bin}/{sh,bash} selected. */
static int shim_each(struct shim_args *a, const char *root,
		     int (*fn)(struct shim_args *a, const struct shim_target *t))
{
	const char *names[] = {a->sh ? "sh" : NULL, a->bash ? "bash" : NULL};
	char seen[ARRAY_SIZE(shim_dirs)][PATH_MAX];
	int r = 0;

	for (size_t d = 0; d < ARRAY_SIZE(shim_dirs); d++) {
		struct shim_target t;
		bool dup = false;

		seen[d][0] = '\0';
		if (target_init(&t, root, shim_dirs[d], "x") < 0)
			continue;
		for (size_t e = 0; e < d; e++)
			dup = dup || strcmp(seen[e], t.dir) == 0;
		snprintf(seen[d], sizeof(seen[d]), "%s", t.dir);
		for (size_t n = 0; n < ARRAY_SIZE(names) && !dup; n++)
			if (names[n] && target_init(&t, root, shim_dirs[d], names[n]) == 0)
				r = fn(a, &t) ?: r;
	}
	if (!a->present && r == 0) {
		log_error("no %s found in %s/bin or %s/usr/bin", a->sh ? "sh" : "bash", root, root);
		r = -ENOENT;
	}
	return r;
}

static void default_shim(char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	self[n > 0 ? n : 0] = '\0';
	slash = strrchr(self, '/');
	snprintf(out, len, "%.*s/agentsh-shell-shim", slash ? (int)(slash - self) : 1,
		 slash ? self : ".");
}

static int shim_check_install(struct shim_args *a, const char *root, char *shim, size_t len)
{
	if (!a->shim) {
		default_shim(shim, len);
		a->shim = shim;
	}
	if (!file_has_marker(a->shim)) {
		log_error(
		    "'%s' is not agentsh-shell-shim (build it with make, or pass --shim PATH)",
		    a->shim);
		return -EINVAL;
	}
	return 0;
}

int cmd_shim(int argc, char **argv, const struct cli_globals *g)
{
	struct shim_args a = {.root = "/", .sh = true};
	char root[PATH_MAX], shim[PATH_MAX];
	const char *verb = argc > 1 ? argv[1] : "";
	int r;

	if (!strcmp(verb, "--help") || !strcmp(verb, "-h") || !*verb ||
	    shim_parse(argc, argv, &a) < 0) {
		shim_usage(*verb && strcmp(verb, "--help") && strcmp(verb, "-h") ? stderr : stdout);
		return *verb && strcmp(verb, "--help") && strcmp(verb, "-h") ? 2 : 0;
	}
	if (!realpath(a.root, root))
		return log_errno(-errno, "root '%s'", a.root), 1;
	if (!strcmp(verb, "status")) {
		a.bash = true;
		r = shim_each(&a, root, status_one);
		status_conf(root);
		return r < 0;
	}
	if (strcmp(verb, "install-shell") && strcmp(verb, "uninstall-shell")) {
		log_error("unknown shim command '%s' (install-shell, uninstall-shell, status)",
			  verb);
		return 2;
	}
	if (!strcmp(root, "/") && !a.dry_run && !a.host_ok) {
		log_error(
		    "this would replace this machine's /bin/sh; pass "
		    "--i-understand-this-modifies-the-host, or --root DIR for a container root");
		return 2;
	}
	if (!strcmp(verb, "uninstall-shell"))
		return shim_each(&a, root, uninstall_one) < 0;
	if (shim_check_install(&a, root, shim, sizeof(shim)) < 0)
		return 2;
	return shim_each(&a, root, install_one) < 0;
}
