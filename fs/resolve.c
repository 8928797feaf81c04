#include "compat.h"
#include "resolve.h"

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

#define MAX_LINKS 40

void fs_clean_path(char *path)
{
	char *src = path, *dst = path;

	while (*src) {
		while (*src == '/')
			src++;
		if (!*src)
			break;
		char *end = strchrnul(src, '/');
		size_t n = (size_t)(end - src);

		if (n == 1 && src[0] == '.') {
			src = end;
			continue;
		}
		if (n == 2 && src[0] == '.' && src[1] == '.') {
			while (dst > path && *--dst != '/')
				;
			src = end;
			continue;
		}
		*dst++ = '/';
		memmove(dst, src, n);
		dst += n;
		src = end;
	}
	if (dst == path)
		*dst++ = '/';
	*dst = 0;
}

static ssize_t read_link(const char *p, char *out, size_t cap)
{
	ssize_t n = readlink(p, out, cap - 1);

	if (n < 0)
		return -errno;
	if ((size_t)n >= cap - 1)
		return -ENAMETOOLONG;
	out[n] = 0;
	return n;
}

/* The tracee's root as a host path; "" when it is our root. */
static int tracee_root(pid_t tgid, char *out, size_t cap)
{
	char p[64];
	ssize_t n;

	snprintf(p, sizeof(p), "/proc/%d/root", tgid);
	n = read_link(p, out, cap);
	if (n < 0)
		return (int)n;
	if (strcmp(out, "/") == 0)
		out[0] = 0;
	return 0;
}

/* Host path -> path inside a root ("" = our root). */
static int strip_root(const char *root, char *path, size_t cap)
{
	size_t rl = strlen(root);

	if (!rl)
		return 0;
	if (strncmp(path, root, rl) != 0 || (path[rl] && path[rl] != '/'))
		return -EXDEV; /* outside the tracee's root: an fd opened before chroot */
	memmove(path, path + rl, strlen(path + rl) + 1);
	if (!path[0] && cap > 1) {
		path[0] = '/';
		path[1] = 0;
	}
	return 0;
}

int fs_dirfd_path(pid_t tid, pid_t tgid, int dirfd, char *out, size_t outlen)
{
	char p[64];
	ssize_t n;

	if (dirfd == AT_FDCWD)
		snprintf(p, sizeof(p), "/proc/%d/cwd", tid);
	else if (dirfd < 0)
		return -EBADF;
	else
		snprintf(p, sizeof(p), "/proc/%d/fd/%d", tgid, dirfd);
	n = read_link(p, out, outlen);
	if (n < 0)
		return n == -ENOENT ? -EBADF : (int)n;
	if (out[0] != '/')
		return -ENOTDIR; /* socket:[..], pipe:[..], anon_inode:... */
	/* A removed directory reads as "/x (deleted)": that is not its name
	 * (a directory so named may exist), and nothing can be made in it. */
	size_t l = strlen(out);
	struct stat st;
	if (l > 10 && strcmp(out + l - 10, " (deleted)") == 0 && stat(p, &st) == 0 &&
	    S_ISDIR(st.st_mode) && st.st_nlink == 0)
		return -ENOENT;
	return 0;
}

/*
 * Directories seen to be real directories (not symlinks) in our own root and
 * mount namespace, by hash of their canonical path. Only FS_CACHED walks
 * skips their lstat: opens are pinned with RESOLVE_NO_SYMLINKS, so a
 * directory swapped for a symlink since then makes the kernel fail the open
 * (ELOOP) rather than open something that was not judged. The tracer clears
 * it whenever a call of the tree can make a symlink appear (rename, symlink).
 * /proc is never cached (magic links, per-process names). Per thread.
 */
#define DIRCACHE_SLOTS 4096
#define DIRCACHE_PROBE 4
static _Thread_local uint64_t dircache[DIRCACHE_SLOTS];
/* A slot counts only in the generation it was filled in: clearing the
 * cache is one increment (renames are frequent), not a 32 KiB memset. */
static _Thread_local uint32_t dircache_gens[DIRCACHE_SLOTS];
static _Thread_local uint32_t dircache_gen = 1;

static uint64_t path_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool dircache_has(const char *path)
{
	uint64_t h = path_hash(path);

	for (unsigned i = 0; i < DIRCACHE_PROBE; i++) {
		unsigned at = (unsigned)((h + i) & (DIRCACHE_SLOTS - 1));
		if (dircache_gens[at] == dircache_gen && dircache[at] == h)
			return true;
	}
	return false;
}

static void dircache_add(const char *path)
{
	uint64_t h = path_hash(path);
	unsigned first = (unsigned)(h & (DIRCACHE_SLOTS - 1));

	if (strncmp(path, "/proc", 5) == 0)
		return;
	for (unsigned i = 0; i < DIRCACHE_PROBE; i++) {
		unsigned at = (unsigned)((h + i) & (DIRCACHE_SLOTS - 1));
		if (dircache_gens[at] != dircache_gen || dircache[at] == h) {
			dircache[at] = h;
			dircache_gens[at] = dircache_gen;
			return;
		}
	}
	dircache[first] = h; /* full run: replace the first */
}

void fs_dircache_clear(void)
{
	if (++dircache_gen == 0) { /* wrapped: no old slot may look current */
		memset(dircache_gens, 0, sizeof(dircache_gens));
		dircache_gen = 1;
	}
}

struct walk {
	const char *root; /* host path of the tracee's root, "" for ours */
	bool direct;      /* same root and mount namespace as ours: no /proc/PID/root */
	bool cached;      /* may skip the lstat of directories in dircache */
	pid_t tid, tgid;
	char cur[PATH_MAX]; /* canonical in-root path so far */
	char rest[PATH_MAX]; /* components still to walk */
	int links;
	char *typed;       /* if set: the path with its last component as written */
	size_t typedcap;   /* (final symlink not followed), noted on the way */
	bool typed_set;
};

static int walk_push_front(struct walk *w, const char *target, const char *tail)
{
	char buf[PATH_MAX];
	int n = snprintf(buf, sizeof(buf), "%s%s%s", target, *tail ? "/" : "", tail);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(w->rest, buf, (size_t)n + 1);
	return 0;
}

static int walk_append(struct walk *w, const char *comp, size_t n)
{
	size_t l = strlen(w->cur);

	if (l + 1 + n + 1 > sizeof(w->cur))
		return -ENAMETOOLONG;
	if (l > 1 || w->cur[0] != '/')
		w->cur[l++] = '/';
	memcpy(w->cur + l, comp, n);
	w->cur[l + n] = 0;
	return 0;
}

/* w->cur as we can look at it: direct, or through /proc/PID/root. */
static void walk_host(const struct walk *w, char *out, size_t cap)
{
	if (w->direct)
		snprintf(out, cap, "%s", w->cur);
	else
		snprintf(out, cap, "/proc/%d/root%s", w->tgid, w->cur);
}

/* /proc/self and /proc/thread-self name the tracer when we look: make them
 * name the tracee. */
static int walk_proc_self(struct walk *w, const char **comp, size_t *n, char *buf, size_t cap)
{
	if (strcmp(w->cur, "/proc") != 0)
		return 0;
	if (*n == 4 && strncmp(*comp, "self", 4) == 0)
		snprintf(buf, cap, "%d", w->tgid);
	else if (*n == 11 && strncmp(*comp, "thread-self", 11) == 0)
		snprintf(buf, cap, "%d/task/%d", w->tgid, w->tid);
	else
		return 0;
	*comp = buf;
	*n = strlen(buf);
	return 1;
}

static _Thread_local pid_t proc_fd_pid;

pid_t fs_resolve_proc_fd_pid(void)
{
	return proc_fd_pid;
}

pid_t fs_proc_entry(const char *path, const char **name)
{
	const char *s = path + 6, *end;
	long pid;

	if (strncmp(path, "/proc/", 6) != 0)
		return 0;
	pid = strtol(s, (char **)&end, 10);
	if (end == s || *end != '/' || pid <= 0)
		return 0;
	if (strncmp(end, "/task/", 6) == 0) {
		s = end + 6;
		pid = strtol(s, (char **)&end, 10);
		if (end == s || *end != '/' || pid <= 0)
			return 0;
	}
	*name = end + 1;
	return (pid_t)pid;
}

/* Whether path is /proc/N/fd/M or /proc/N/map_files/R (or under task/T/). */
static bool proc_fd_link(const char *path)
{
	const char *name;

	return fs_proc_entry(path, &name) &&
	       (strncmp(name, "fd/", 3) == 0 || strncmp(name, "map_files/", 10) == 0);
}

/* link is /proc/N/fd/M or /proc/N/map_files/R (or under task/T/): a file
 * reached through process N's open files or mappings, not by a name. */
static void note_proc_fd(const char *link)
{
	const char *name;
	pid_t pid = fs_proc_entry(link, &name);

	if (pid && (strncmp(name, "fd/", 3) == 0 || strncmp(name, "map_files/", 10) == 0))
		proc_fd_pid = pid;
}

/* Follows one symlink at `host` whose in-root name is w->cur + comp. */
static int walk_follow(struct walk *w, const char *host, const char *tail)
{
	char target[PATH_MAX];
	ssize_t r;

	if (++w->links > MAX_LINKS)
		return -ELOOP;
	r = read_link(host, target, sizeof(target));
	if (r < 0)
		return (int)r;
	if (target[0] != '/' && strchr(target, ':') && strncmp(w->cur, "/proc/", 6) == 0)
		return 1; /* magic link to a pipe/socket/anon inode: the name itself is the path */
	if (target[0] == '/') {
		/* Magic links under /proc read as host paths; ordinary ones are in-root. */
		if (strncmp(w->cur, "/proc/", 6) == 0 && strip_root(w->root, target, sizeof(target)))
			return -EXDEV;
		w->cur[0] = '/';
		w->cur[1] = 0;
	}
	return walk_push_front(w, target, tail);
}

static int walk_step(struct walk *w, bool follow_last)
{
	char *comp = w->rest, numbuf[64], host[PATH_MAX + 64], tail[PATH_MAX];
	const char *c;
	size_t n;
	struct stat st;
	int r;

	while (*comp == '/')
		comp++;
	if (!*comp) {
		w->rest[0] = 0;
		return 1; /* done */
	}
	n = strcspn(comp, "/");
	snprintf(tail, sizeof(tail), "%s", comp + n + (comp[n] ? 1 : 0));
	c = comp;
	if (n == 1 && c[0] == '.')
		return walk_push_front(w, "", tail) ?: 0;
	if (n == 2 && c[0] == '.' && c[1] == '.') {
		char *slash = strrchr(w->cur, '/');
		if (slash == w->cur)
			w->cur[1] = 0;
		else if (slash)
			*slash = 0;
		return walk_push_front(w, "", tail) ?: 0;
	}
	char compbuf[NAME_MAX + 1];
	if (n > NAME_MAX)
		return -ENAMETOOLONG;
	memcpy(compbuf, c, n);
	compbuf[n] = 0;
	c = compbuf;
	walk_proc_self(w, &c, &n, numbuf, sizeof(numbuf));
	r = walk_append(w, c, n);
	if (r)
		return r;
	memcpy(w->rest, tail, strlen(tail) + 1);
	/* The first last component is the path's own: whatever links brought
	 * us here, the rest of the walk only follows what it names. */
	if (!*tail && w->typed && !w->typed_set) {
		int tn = snprintf(w->typed, w->typedcap, "%s%s", w->root,
				  strcmp(w->cur, "/") || !w->root[0] ? w->cur : "");
		w->typed_set = tn >= 0 && (size_t)tn < w->typedcap;
	}
	if (!*tail && !follow_last)
		return 0;
	if (w->direct && *tail && w->cached && dircache_has(w->cur))
		return 0;
	walk_host(w, host, sizeof(host));
	if (lstat(host, &st) < 0) {
		/* A missing directory with more to walk: the kernel fails the
		 * same way. A missing last component is kept (creates), except
		 * a process's fd or mapping link, which nothing creates: kept,
		 * it would be looked up again, as whatever fd is there by then
		 * (esc_proc_fd_reopen_race). */
		if ((errno == ENOENT || errno == ENOTDIR) && (*tail || proc_fd_link(w->cur)))
			return -errno;
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES)
			return 2; /* the rest cannot be looked at: keep it lexically */
		return -errno;
	}
	if (S_ISDIR(st.st_mode) && w->direct && *tail)
		dircache_add(w->cur);
	if (!S_ISLNK(st.st_mode))
		return *tail && !S_ISDIR(st.st_mode) ? -ENOTDIR : 0;
	/* Step back out of the link's own name, then walk its target. */
	char *slash = strrchr(w->cur, '/');
	char linkname[PATH_MAX];
	snprintf(linkname, sizeof(linkname), "%s", w->cur);
	note_proc_fd(linkname);
	if (slash == w->cur)
		w->cur[1] = 0;
	else
		*slash = 0;
	r = walk_follow(w, host, tail);
	if (r == 1) {
		/* A pipe or a socket is no directory: the kernel fails a name
		 * below it. Not looked up again: by then the process may have
		 * another file at that fd (esc_proc_fd_pipe_swap). */
		if (*tail)
			return -ENOTDIR;
		snprintf(w->cur, sizeof(w->cur), "%s", linkname);
		return 0;
	}
	return r;
}

static int walk_finish(struct walk *w, int r, char *out, size_t outlen)
{
	int n;

	if (r == 2 && w->rest[0]) {
		/* Missing component: the kernel fails or creates; name what was asked. */
		if (walk_push_front(w, w->cur, w->rest))
			return -ENAMETOOLONG;
		memcpy(w->cur, w->rest, strlen(w->rest) + 1);
		fs_clean_path(w->cur);
	}
	n = snprintf(out, outlen, "%s%s", w->root, strcmp(w->cur, "/") || !w->root[0] ? w->cur : "");
	if (n < 0 || (size_t)n >= outlen)
		return -ENAMETOOLONG;
	return 0;
}

int fs_resolve(pid_t tid, pid_t tgid, int dirfd, const char *path, bool follow, bool empty_ok,
	       char *out, size_t outlen)
{
	return fs_resolve_in(NULL, tid, tgid, dirfd, path, follow, empty_ok, out, outlen);
}

int fs_root_hint(pid_t tgid, char *out, size_t cap)
{
	char ours[64], theirs[64], p[64];
	ssize_t a, b;
	int r = tracee_root(tgid, out, cap);

	if (r)
		return r;
	/* "" (direct lookups) only for our root in our mount namespace. */
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", tgid);
	a = readlink("/proc/self/ns/mnt", ours, sizeof(ours) - 1);
	b = readlink(p, theirs, sizeof(theirs) - 1);
	if (a <= 0 || a != b || memcmp(ours, theirs, (size_t)a))
		return -EXDEV;
	return 0;
}

/*
 * A trailing slash and final "." / ".." components have their own meaning to
 * the kernel (must be a directory; rmdir "x/." is EINVAL, rename EBUSY ...).
 * They are split off the path, the rest is resolved, and the call is pinned
 * with them appended to that canonical directory (fs_resolve_ex's pin), so
 * the kernel applies them itself. Returns the length of the rest; suffix gets
 * the components as "/." "/.." and a final "/" for the slash.
 */
static size_t split_tail(const char *path, char *suffix, size_t cap, bool *slash, bool *dots)
{
	size_t i = strlen(path), nc = 0, starts[64], lens[64];
	size_t keep_root = path[0] == '/' ? 1 : 0;

	*slash = *dots = false;
	suffix[0] = 0;
	while (i > keep_root && path[i - 1] == '/') {
		i--;
		*slash = true;
	}
	while (i > keep_root && nc < 64) {
		size_t j = i;

		while (j > 0 && path[j - 1] != '/')
			j--;
		if (!((i - j == 1 && path[j] == '.') || (i - j == 2 && path[j] == '.' && path[j + 1] == '.')))
			break;
		starts[nc] = j;
		lens[nc++] = i - j;
		i = j;
		while (i > keep_root && path[i - 1] == '/')
			i--;
	}
	if (i == keep_root && keep_root && !nc)
		*slash = false; /* "/" or "//": the root itself */
	*dots = nc > 0;
	for (size_t k = nc; k-- > 0;) {
		size_t l = strlen(suffix);
		snprintf(suffix + l, cap - l, "/%.*s", (int)lens[k], path + starts[k]);
	}
	if (*slash) {
		size_t l = strlen(suffix);
		snprintf(suffix + l, cap - l, "/");
	}
	return i;
}

static int resolve(const char *root_hint, pid_t tid, pid_t tgid, int dirfd, const char *path,
		   unsigned flags, char *out, size_t outlen, char *pin, size_t pincap, char *typed,
		   size_t typedcap)
{
	char root[PATH_MAX], suffix[PATH_MAX], base[PATH_MAX];
	struct walk w = { .tid = tid, .tgid = tgid, .cached = flags & FS_CACHED,
			  .typed = typed, .typedcap = typedcap };
	bool follow = flags & FS_FOLLOW, slash, dots;
	size_t bl;
	int r;

	proc_fd_pid = 0;
	if (pin && pincap)
		pin[0] = 0;
	if (!path[0] && !(flags & FS_EMPTY_OK))
		return -ENOENT;
	if (strlen(path) >= sizeof(w.rest))
		return -ENAMETOOLONG;
	bl = split_tail(path, suffix, sizeof(suffix), &slash, &dots);
	memcpy(base, path, bl);
	base[bl] = 0;
	if (!bl && path[0])
		snprintf(base, sizeof(base), "."); /* only dots: the directory itself */
	/* Walked on as a directory: the kernel follows a final link there. */
	if (dots || (slash && (flags & FS_SLASH_FOLLOWS)))
		follow = true;
	if (root_hint) {
		snprintf(root, sizeof(root), "%s", root_hint);
		w.direct = !root[0];
	} else {
		r = tracee_root(tgid, root, sizeof(root));
		if (r)
			return r;
	}
	w.root = root;
	if (base[0] == '/') {
		w.cur[0] = '/';
		w.cur[1] = 0;
	} else {
		r = fs_dirfd_path(tid, tgid, dirfd, w.cur, sizeof(w.cur));
		if (r)
			return r;
		r = strip_root(root, w.cur, sizeof(w.cur));
		if (r)
			return r;
	}
	memcpy(w.rest, base, strlen(base) + 1);
	do
		r = walk_step(&w, follow);
	while (r == 0 && w.rest[0]);
	if (r < 0)
		return r;
	if (dots) {
		/* "x/.." and "x/." walk x: it must be a directory. */
		char host[PATH_MAX + 64];
		struct stat st;

		if (r == 2)
			return -ENOENT;
		walk_host(&w, host, sizeof(host));
		if (stat(host, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	r = walk_finish(&w, r, out, outlen);
	if (r || !suffix[0])
		return r;
	if (pin && pincap) {
		int n = snprintf(pin, pincap, "%s%s", strcmp(out, "/") ? out : "", suffix);
		if (n < 0 || (size_t)n >= pincap)
			return -ENAMETOOLONG;
	}
	if (dots) {
		/* The name judged: the dots applied inside the root. */
		size_t l = strlen(w.cur);
		if (l + strlen(suffix) >= sizeof(w.cur))
			return -ENAMETOOLONG;
		memcpy(w.cur + l, suffix, strlen(suffix) + 1);
		fs_clean_path(w.cur);
		return walk_finish(&w, 0, out, outlen);
	}
	return 0;
}

int fs_resolve_ex(const char *root_hint, pid_t tid, pid_t tgid, int dirfd, const char *path,
		  unsigned flags, char *out, size_t outlen, char *pin, size_t pincap)
{
	return resolve(root_hint, tid, tgid, dirfd, path, flags, out, outlen, pin, pincap, NULL, 0);
}

int fs_resolve_typed(const char *root_hint, pid_t tid, pid_t tgid, int dirfd, const char *path,
		     unsigned flags, char *out, size_t outlen, char *pin, size_t pincap, char *typed,
		     size_t typedcap)
{
	int r;

	typed[0] = 0;
	r = resolve(root_hint, tid, tgid, dirfd, path, flags, out, outlen, pin, pincap, typed,
		    typedcap);
	/* A final slash or dots, an error: the typed name is looked up alone. */
	if (r || pin[0] || !typed[0])
		typed[0] = 0;
	return r;
}

int fs_resolve_in(const char *root_hint, pid_t tid, pid_t tgid, int dirfd, const char *path,
		  bool follow, bool empty_ok, char *out, size_t outlen)
{
	unsigned f = FS_SLASH_FOLLOWS | (follow ? FS_FOLLOW : 0) | (empty_ok ? FS_EMPTY_OK : 0);

	return fs_resolve_ex(root_hint, tid, tgid, dirfd, path, f, out, outlen, NULL, 0);
}
