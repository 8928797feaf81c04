/* Soft delete: files move into a trash directory with metadata to restore them. */
#ifndef AGENTSH_TRASH_H
#define AGENTSH_TRASH_H

#include <stddef.h>
#include <sys/types.h>

/* The trash directory: trash_path (sandbox.fuse.audit.trash_path; NULL or ""
 * = .agentsh_trash) as is when absolute, else below workspace (NULL or "" = "."). */
void fs_trash_dir(const char *trash_path, const char *workspace, char *out, size_t cap);
/* Moves `path` into `trash_dir` (created 0700 if missing). The entry id is
 * written to id_out. Returns 0 or -errno (-EXDEV: another filesystem). */
int fs_trash_move(const char *trash_dir, const char *path, pid_t pid, const char *session_id,
		  char *id_out, size_t idlen);
/* Calls fn per entry (id, original path, deleted_at). */
int fs_trash_list(const char *trash_dir,
		  void (*fn)(void *ctx, const char *id, const char *path, const char *when),
		  void *ctx);
/* Puts entry `id` back at its original path (refuses to overwrite). */
int fs_trash_restore(const char *trash_dir, const char *id, char *path_out, size_t pathlen);

#endif /* !AGENTSH_TRASH_H */
