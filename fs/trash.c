#include "compat.h"
#include "trash.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>

static void trash_new_id(char *out, size_t cap)
{
	uint32_t rnd = 0;
	time_t now = time(NULL);
	struct tm tm;

	if (getrandom(&rnd, sizeof(rnd), 0) < 0)
		rnd = (uint32_t)getpid();
	gmtime_r(&now, &tm);
	snprintf(out, cap, "%04d%02d%02d-%02d%02d%02d-%08x", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, rnd);
}

static int write_meta(const char *trash_dir, const char *id, const char *path, pid_t pid,
		      const char *session_id, const struct stat *st)
{
	char meta[PATH_MAX], when[32];
	time_t now = time(NULL);
	struct tm tm;
	cJSON *j = cJSON_CreateObject();
	char *text;
	FILE *f;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	cJSON_AddStringToObject(j, "id", id);
	cJSON_AddStringToObject(j, "original_path", path);
	cJSON_AddStringToObject(j, "deleted_at", when);
	cJSON_AddNumberToObject(j, "pid", pid);
	cJSON_AddStringToObject(j, "session_id", session_id ? session_id : "");
	cJSON_AddNumberToObject(j, "mode", st->st_mode & 07777);
	cJSON_AddBoolToObject(j, "directory", S_ISDIR(st->st_mode));
	cJSON_AddNumberToObject(j, "size", (double)st->st_size);
	text = cJSON_Print(j);
	cJSON_Delete(j);
	snprintf(meta, sizeof(meta), "%s/%s.json", trash_dir, id);
	f = fopen(meta, "we");
	if (!f) {
		free(text);
		return -errno;
	}
	fputs(text, f);
	fputc('\n', f);
	free(text);
	return fclose(f) ? -errno : 0;
}

void fs_trash_dir(const char *trash_path, const char *workspace, char *out, size_t cap)
{
	const char *t = trash_path && *trash_path ? trash_path : ".agentsh_trash";

	if (t[0] == '/')
		snprintf(out, cap, "%s", t);
	else
		snprintf(out, cap, "%s/%s", workspace && *workspace ? workspace : ".", t);
}

int fs_trash_move(const char *trash_dir, const char *path, pid_t pid, const char *session_id,
		  char *id_out, size_t idlen)
{
	char dest[PATH_MAX];
	struct stat st;
	int r;

	if (lstat(path, &st) < 0)
		return -errno;
	if (mkdir(trash_dir, 0700) < 0 && errno != EEXIST)
		return -errno;
	trash_new_id(id_out, idlen);
	if (snprintf(dest, sizeof(dest), "%s/%s.data", trash_dir, id_out) >= (int)sizeof(dest))
		return -ENAMETOOLONG;
	if (rename(path, dest) < 0)
		return -errno;
	r = write_meta(trash_dir, id_out, path, pid, session_id, &st);
	if (r) {
		rename(dest, path); /* keep nothing half-done */
		return r;
	}
	return 0;
}

static cJSON *read_meta(const char *trash_dir, const char *id)
{
	char p[PATH_MAX], buf[8192];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s.json", trash_dir, id);
	f = fopen(p, "re");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return cJSON_Parse(buf);
}

int fs_trash_list(const char *trash_dir,
		  void (*fn)(void *ctx, const char *id, const char *path, const char *when),
		  void *ctx)
{
	DIR *d = opendir(trash_dir);
	struct dirent *de;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char id[256];
		cJSON *j;

		if (n < 6 || n - 5 >= sizeof(id) || strcmp(de->d_name + n - 5, ".json"))
			continue;
		memcpy(id, de->d_name, n - 5);
		id[n - 5] = 0;
		j = read_meta(trash_dir, id);
		if (!j)
			continue;
		fn(ctx, id, cJSON_GetStringValue(cJSON_GetObjectItem(j, "original_path")),
		   cJSON_GetStringValue(cJSON_GetObjectItem(j, "deleted_at")));
		cJSON_Delete(j);
	}
	closedir(d);
	return 0;
}

int fs_trash_restore(const char *trash_dir, const char *id, char *path_out, size_t pathlen)
{
	char src[PATH_MAX], meta[PATH_MAX];
	cJSON *j;
	const char *orig;
	struct stat st;

	if (strchr(id, '/') || strstr(id, ".."))
		return -EINVAL;
	j = read_meta(trash_dir, id);
	if (!j)
		return -ENOENT;
	orig = cJSON_GetStringValue(cJSON_GetObjectItem(j, "original_path"));
	if (!orig) {
		cJSON_Delete(j);
		return -EINVAL;
	}
	snprintf(path_out, pathlen, "%s", orig);
	cJSON_Delete(j);
	if (lstat(path_out, &st) == 0)
		return -EEXIST;
	snprintf(src, sizeof(src), "%s/%s.data", trash_dir, id);
	if (rename(src, path_out) < 0)
		return -errno;
	snprintf(meta, sizeof(meta), "%s/%s.json", trash_dir, id);
	unlink(meta);
	return 0;
}
