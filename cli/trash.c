/* agentsh trash list|restore ID [--trash DIR] [--workspace DIR]: soft-deleted files. */
#include "compat.h"
#include "cli.h"
#include "log.h"
#include "fs/trash.h"

#include <limits.h>
#include <stdio.h>

static void trash_usage(FILE *f)
{
	fprintf(f, "usage: agentsh trash list [--workspace DIR | --trash DIR]\n"
		   "       agentsh trash restore ID [--workspace DIR | --trash DIR]\n"
		   "The trash is DIR/.agentsh_trash of the workspace (default: the current "
		   "directory),\nor AGENTSH_TRASH_DIR.\n");
}

static void print_entry(void *ctx, const char *id, const char *path, const char *when)
{
	int *n = ctx;

	printf("%s\t%s\t%s\n", id, when ? when : "", path ? path : "");
	(*n)++;
}

/* --trash, else AGENTSH_TRASH_DIR, else WORKSPACE/.agentsh_trash. */
static int trash_dir(int argc, char **argv, char *out, size_t cap, const char **id)
{
	const char *ws = ".", *dir = getenv("AGENTSH_TRASH_DIR");

	*id = NULL;
	for (int i = 2; i < argc; i++) {
		if ((strcmp(argv[i], "--workspace") == 0 || strcmp(argv[i], "--trash") == 0) &&
		    i + 1 < argc) {
			if (argv[i][2] == 'w')
				ws = argv[++i];
			else
				dir = argv[++i];
		} else if (argv[i][0] != '-' && !*id) {
			*id = argv[i];
		} else {
			log_error("trash: unexpected argument '%s'", argv[i]);
			return -EINVAL;
		}
	}
	if (dir && *dir)
		snprintf(out, cap, "%s", dir);
	else
		snprintf(out, cap, "%s/.agentsh_trash", ws);
	return 0;
}

int cmd_trash(int argc, char **argv, const struct cli_globals *g)
{
	char dir[PATH_MAX], path[PATH_MAX];
	const char *id;
	int n = 0, r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0) {
		trash_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (trash_dir(argc, argv, dir, sizeof(dir), &id) < 0)
		return 2;
	if (strcmp(argv[1], "list") == 0) {
		r = fs_trash_list(dir, print_entry, &n);
		if (r < 0) {
			log_errno(r, "cannot read the trash at %s", dir);
			return 1;
		}
		if (!n)
			fprintf(stderr, "trash at %s is empty\n", dir);
		return 0;
	}
	if (strcmp(argv[1], "restore") == 0) {
		if (!id) {
			trash_usage(stderr);
			return 2;
		}
		r = fs_trash_restore(dir, id, path, sizeof(path));
		if (r == -EEXIST) {
			log_error("cannot restore %s: %s exists (move it away first)", id, path);
			return 1;
		}
		if (r < 0) {
			log_errno(r, "cannot restore %s from %s", id, dir);
			return 1;
		}
		printf("restored %s\n", path);
		return 0;
	}
	log_error("trash: unknown subcommand '%s'", argv[1]);
	trash_usage(stderr);
	return 2;
}
