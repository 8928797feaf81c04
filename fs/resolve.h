/* Resolving a tracee's path argument as the kernel would, in its root and cwd. */
#ifndef AGENTSH_RESOLVE_H
#define AGENTSH_RESOLVE_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Resolves `path` (as given to a syscall by thread `tid` of process `tgid`,
 * relative to `dirfd` or its cwd) into an absolute canonical path in `out`:
 * every symlink resolved (the last one only when `follow`), "." and ".."
 * applied after resolution, /proc/self and /proc/thread-self meaning the
 * tracee. A missing final component is kept (creates); a dangling final
 * symlink that would be followed resolves to its target. `empty_ok` accepts
 * "" (AT_EMPTY_PATH: the dirfd itself). Returns 0 or -errno.
 */
int fs_resolve(pid_t tid, pid_t tgid, int dirfd, const char *path, bool follow, bool empty_ok,
	       char *out, size_t outlen);

/* The same with the tracee's root known (from fs_root_hint): "" means our
 * own root and mount namespace, so lookups need no /proc/PID/root. NULL
 * looks it up. */
int fs_resolve_in(const char *root_hint, pid_t tid, pid_t tgid, int dirfd, const char *path,
		  bool follow, bool empty_ok, char *out, size_t outlen);
/*
 * The general form. flags: FS_FOLLOW (a final symlink is followed),
 * FS_EMPTY_OK ("" names the dirfd), FS_CACHED (the directory cache, below
 * cache), FS_SLASH_FOLLOWS (a trailing slash makes the kernel follow the last
 * component: lookups and opens, not unlink/rmdir/mkdir/rename/link/symlink/
 * mknod names). A missing or non-directory component with more to walk, a
 * symlink loop or an over-long name fail with the kernel's errno. pin gets
 * what the call must be pinned with when it differs from out ("" when not):
 * out's directory with the raw path's final "/", "/." or "/.." kept, so the
 * kernel gives them their meaning; out is the name judged (dots applied).
 */
/* A resolution error the kernel gives the call itself (so failing the call
 * with it is what would happen untraced). */
static inline bool fs_error_native(int r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -ELOOP || r == -ENAMETOOLONG || r == -EBADF;
}
#define FS_FOLLOW 1u
#define FS_EMPTY_OK 2u
#define FS_CACHED 4u
#define FS_SLASH_FOLLOWS 8u
int fs_resolve_ex(const char *root_hint, pid_t tid, pid_t tgid, int dirfd, const char *path,
		  unsigned flags, char *out, size_t outlen, char *pin, size_t pincap);
/* The same, also giving typed: the path with its last component as written
 * (a final symlink not followed), as fs_resolve_in(..., follow = false)
 * would, noted during the one walk. "" when that walk cannot tell (a final
 * slash or dots, an error): look it up with fs_resolve_in then. pin must be
 * given. */
int fs_resolve_typed(const char *root_hint, pid_t tid, pid_t tgid, int dirfd, const char *path,
		     unsigned flags, char *out, size_t outlen, char *pin, size_t pincap, char *typed,
		     size_t typedcap);
/* /proc/N/NAME... or /proc/N/task/T/NAME...: T (or N), and *name at NAME;
 * 0 for any other path. */
pid_t fs_proc_entry(const char *path, const char **name);
/* The process whose /proc/PID/fd/N or map_files link the last resolve on
 * this thread went through (another process's open file, reached without
 * its name), 0 none. */
pid_t fs_resolve_proc_fd_pid(void);
/* FS_CACHED, only for a path an open will pin with RESOLVE_NO_SYMLINKS:
 * directories already seen as directories (never under /proc) are not looked
 * at again. Callers clear the cache whenever a symlink may have appeared
 * where a directory was. */
void fs_dircache_clear(void);
/* The tracee's root for fs_resolve_in ("" = ours and our mount namespace).
 * -EXDEV when it lives in another mount namespace (use NULL there). */
int fs_root_hint(pid_t tgid, char *out, size_t cap);

/* Lexically cleans an absolute path ("//a/./b/../c" -> "/a/c"). In place. */
void fs_clean_path(char *path);

/* The directory a dirfd (or AT_FDCWD) of the tracee refers to. 0 or -errno. */
int fs_dirfd_path(pid_t tid, pid_t tgid, int dirfd, char *out, size_t outlen);

#endif /* !AGENTSH_RESOLVE_H */
