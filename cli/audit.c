/* agentsh audit verify | chain status | chain reset | append (hidden; tests and tooling). */
#include "compat.h"
#include "cli.h"
#include "log.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>

#include "audit/audit.h"
#include "audit/entry.h"
#include "audit/verify.h"

struct audit_args {
	const char *log, *key_file, *key_env, *algorithm, *reason, *from_sequence;
	const char *max_size_mb, *max_backups;
	bool tolerate_unsigned, tolerate_truncation;
	enum audit_alg alg;
	struct audit_key key;
};

static const struct {
	const char *name;
	size_t str;  /* offset of the const char * it sets, or 0 */
	size_t flag; /* offset of the bool it sets, or 0 */
} audit_opts[] = {
    {"--key-file", offsetof(struct audit_args, key_file), 0},
    {"--key-env", offsetof(struct audit_args, key_env), 0},
    {"--algorithm", offsetof(struct audit_args, algorithm), 0},
    {"--reason", offsetof(struct audit_args, reason), 0},
    {"--from-sequence", offsetof(struct audit_args, from_sequence), 0},
    {"--max-size-mb", offsetof(struct audit_args, max_size_mb), 0},
    {"--max-backups", offsetof(struct audit_args, max_backups), 0},
    {"--tolerate-unsigned", 0, offsetof(struct audit_args, tolerate_unsigned)},
    {"--tolerate-truncation", 0, offsetof(struct audit_args, tolerate_truncation)},
};

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: agentsh audit verify LOG --key-file K [--key-env VAR] [--algorithm "
	    "hmac-sha256|hmac-sha512]\n"
	    "                            [--tolerate-unsigned] [--tolerate-truncation] "
	    "[--from-sequence N]\n"
	    "       agentsh audit chain status LOG [--key-file K | --key-env VAR] "
	    "[--algorithm A]\n"
	    "       agentsh audit chain reset LOG --key-file K [--algorithm A] [--reason TEXT]\n");
}

/* Matches "--name value" and "--name=value"; returns how many argv slots it used, or 0. */
static int parse_opt(struct audit_args *a, int argc, char **argv, int i)
{
	for (size_t k = 0; k < ARRAY_SIZE(audit_opts); k++) {
		size_t n = strlen(audit_opts[k].name);

		if (strncmp(argv[i], audit_opts[k].name, n) != 0 ||
		    (argv[i][n] && argv[i][n] != '='))
			continue;
		if (audit_opts[k].flag) {
			if (argv[i][n])
				return -1;
			*(bool *)((char *)a + audit_opts[k].flag) = true;
			return 1;
		}
		if (argv[i][n] == '=') {
			*(const char **)((char *)a + audit_opts[k].str) = argv[i] + n + 1;
			return 1;
		}
		if (i + 1 >= argc)
			return -1;
		*(const char **)((char *)a + audit_opts[k].str) = argv[i + 1];
		return 2;
	}
	return 0;
}

static int parse_args(struct audit_args *a, int argc, char **argv)
{
	for (int i = 0; i < argc;) {
		int used = argv[i][0] == '-' ? parse_opt(a, argc, argv, i) : 0;

		if (used > 0) {
			i += used;
			continue;
		}
		if (used < 0 || argv[i][0] == '-' || a->log) {
			log_error("audit: unexpected argument '%s'", argv[i]);
			return -EINVAL;
		}
		a->log = argv[i++];
	}
	if (!a->log) {
		log_error("audit: missing the log file argument");
		return -EINVAL;
	}
	if (audit_alg_parse(a->algorithm, &a->alg) < 0) {
		log_error("audit: unknown --algorithm '%s' (use hmac-sha256 or hmac-sha512)",
			  a->algorithm);
		return -EINVAL;
	}
	return 0;
}

static int load_key(struct audit_args *a)
{
	const char *src = a->key_file ? a->key_file : a->key_env;
	int r;

	if (!a->key_file && !a->key_env) {
		log_error("audit: no key given (use --key-file FILE or --key-env VAR)");
		return -EINVAL;
	}
	r = audit_key_load(a->key_file, a->key_env, &a->key);
	if (r == -EKEYREJECTED)
		log_error("audit: the key from %s is shorter than %d bytes", src,
			  AUDIT_MIN_KEY_LEN);
	else if (r == -EINVAL)
		log_error("audit: the key from %s is empty or not set", src);
	else if (r < 0)
		log_errno(r, "audit: cannot read the key file %s", src);
	return r;
}

static int parse_i64(const char *s, const char *what, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0) {
		log_error("audit: %s must be a non-negative integer, not '%s'", what, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static void print_summary(const struct audit_args *a, const struct audit_verify_result *res)
{
	printf("ok: verified %ld entries across %ld files (%s)\n", res->entries, res->files,
	       audit_alg_name(a->alg));
	if (res->entries > 0) {
		printf("first: seq=%" PRId64 " (%s)\n", res->first_seq, res->first_loc);
		printf("last:  seq=%" PRId64 " (%s)\n", res->last_seq, res->last_loc);
	}
	if (res->rotations)
		printf("chain rotations: %ld\n", res->rotations);
	if (res->unsigned_skipped)
		printf("warning: %ld unsigned lines skipped (--tolerate-unsigned)\n",
		       res->unsigned_skipped);
	if (res->torn_recorded)
		printf("note: %ld torn lines from interrupted writes were cut on restart "
		       "(see the audit_log_torn_tail entries)\n",
		       res->torn_recorded);
	if (res->truncated_tail)
		printf("warning: truncated final line at %s ignored (--tolerate-truncation)\n",
		       res->truncated_loc);
}

static int audit_verify_cmd(struct audit_args *a)
{
	struct audit_verify_opts o = {.tolerate_unsigned = a->tolerate_unsigned,
				      .tolerate_truncation = a->tolerate_truncation,
				      .from_sequence = -1};
	struct audit_verify_result *res;
	int r;

	if (a->from_sequence && parse_i64(a->from_sequence, "--from-sequence", &o.from_sequence))
		return 2;
	if (load_key(a) < 0)
		return 2;
	res = calloc(1, sizeof(*res));
	if (!res)
		return 2;
	r = audit_verify(a->log, &a->key, a->alg, &o, res);
	if (r < 0) {
		log_errno(r, "audit: cannot read %s", a->log);
		r = 2;
	} else if (!res->ok) {
		log_error("audit log broken at sequence %" PRId64 " (%s:%ld): %s",
			  res->bad_sequence, res->file, res->line, res->reason);
		printf("FAILED: sequence %" PRId64 " (%s:%ld): %s\n", res->bad_sequence, res->file,
		       res->line, res->reason);
		printf("verified %ld entries before the break\n", res->entries);
		r = 1;
	} else {
		print_summary(a, res);
		r = 0;
	}
	free(res);
	return r;
}

/* The last non-blank line of the newest file that has one. */
static int last_line_of_set(const char *path, char **line, char **where)
{
	char **files, *buf = NULL;
	size_t n, cap = 0;
	bool base;
	int r = audit_rotation_set(path, &files, &n, &base);

	*line = NULL;
	for (size_t i = n; r == 0 && i > 0 && !*line; i--) {
		FILE *f = fopen(files[i - 1], "re");
		long no = 0;
		ssize_t len;

		if (!f) {
			r = -errno;
			break;
		}
		while ((len = getline(&buf, &cap, f)) > 0) {
			no++;
			if (strspn(buf, " \t\r\n") == (size_t)len)
				continue;
			free(*line);
			free(*where);
			*line = strndup(buf, (size_t)len);
			if (asprintf(where, "%s:%ld", files[i - 1], no) < 0)
				*where = NULL;
		}
		fclose(f);
	}
	free(buf);
	if (r != -ENOENT && r != -ENODATA)
		audit_rotation_set_free(files, n);
	return r == -ENODATA ? 0 : r;
}

static int audit_status_cmd(struct audit_args *a)
{
	struct audit_entry e;
	char *line = NULL, *where = NULL;
	int r = last_line_of_set(a->log, &line, &where), rc = 0;

	if ((a->key_file || a->key_env) && load_key(a) < 0)
		return 2;
	if (r < 0) {
		log_errno(r, "audit: cannot read %s", a->log);
		return 2;
	}
	printf("log: %s\n", a->log);
	if (!line) {
		printf("last_sequence: none (empty log)\n");
		return 0;
	}
	r = entry_parse(line, strlen(line), &e, NULL);
	if (r < 0 || !e.has_integrity) {
		printf("last line (%s): %s\n", where,
		       r < 0 ? "not complete JSON (torn or corrupt)" : "unsigned");
		rc = 1;
	} else {
		printf("format_version: %" PRId64 "\nlast_sequence: %" PRId64
		       "\nlast_entry_hash: %s\nlast_type: %s\nlocation: %s\n",
		       e.format_version, e.sequence, e.entry_hash, e.type, where);
		if (a->key.bytes) {
			bool ok = entry_hash_ok(&e, &a->key, a->alg);

			printf("last_entry_verifies: %s\n", ok ? "yes" : "no");
			rc = ok ? 0 : 1;
		}
	}
	entry_release(&e);
	free(line);
	free(where);
	return rc;
}

static int open_log(struct audit_args *a, struct audit_log **log)
{
	struct audit_log_opts o = {0};
	int64_t v;
	int r;

	if (a->max_size_mb && parse_i64(a->max_size_mb, "--max-size-mb", &v) == 0)
		o.max_size_mb = (long)v;
	if (a->max_backups && parse_i64(a->max_backups, "--max-backups", &v) == 0)
		o.max_backups = (int)v;
	if (load_key(a) < 0)
		return -EINVAL;
	r = audit_log_open(log, a->log, &a->key, a->alg, &o);
	if (r == -EBUSY)
		log_error("audit: %s is open by another writer (is the server running?)", a->log);
	else if (r < 0)
		log_errno(r, "audit: cannot open %s", a->log);
	return r;
}

static int audit_reset_cmd(struct audit_args *a)
{
	struct audit_log *log;
	int64_t prev, seq;
	char hash[CHAIN_HASH_MAX];
	int r;

	if (open_log(a, &log) < 0)
		return 2;
	audit_log_state(log, &prev, hash, sizeof(hash));
	r = audit_log_reset_chain(log, a->reason);
	audit_log_state(log, &seq, hash, sizeof(hash));
	audit_log_close(log);
	if (r < 0)
		return log_errno(r, "audit: cannot write to %s", a->log), 1;
	printf("new chain started in %s at sequence %" PRId64 " (previous chain ended at %" PRId64
	       ")\nentry_hash: %s\n",
	       a->log, seq, prev, hash);
	return 0;
}

static int audit_append_cmd(struct audit_args *a)
{
	struct audit_log *log;
	char *buf = NULL, hash[CHAIN_HASH_MAX];
	size_t cap = 0;
	ssize_t n;
	long no = 0, count = 0;
	int64_t seq;
	int r = 0;

	if (open_log(a, &log) < 0)
		return 2;
	while (r == 0 && (n = getline(&buf, &cap, stdin)) > 0) {
		no++;
		if (strspn(buf, " \t\r\n") == (size_t)n)
			continue;
		r = audit_log_append_len(log, buf, (size_t)n);
		if (r == -EINVAL || r == -E2BIG)
			log_error("audit: stdin line %ld is not a JSON object", no);
		else if (r < 0)
			log_errno(r, "audit: cannot append to %s", a->log);
		count += r == 0;
	}
	free(buf);
	audit_log_state(log, &seq, hash, sizeof(hash));
	audit_log_close(log);
	printf("appended %ld entries, last sequence %" PRId64 "\n", count, seq);
	return r < 0 ? 1 : 0;
}

int cmd_audit(int argc, char **argv, const struct cli_globals *g)
{
	struct audit_args a = {0};
	int skip, rc;
	const char *sub = argc > 1 ? argv[1] : "";
	bool chain = strcmp(sub, "chain") == 0;
	const char *what = chain && argc > 2 ? argv[2] : "";

	if (!*sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		usage(*sub ? stdout : stderr);
		return *sub ? 0 : 2;
	}
	skip = chain ? 3 : 2;
	if ((chain && strcmp(what, "status") != 0 && strcmp(what, "reset") != 0) ||
	    (!chain && strcmp(sub, "verify") != 0 && strcmp(sub, "append") != 0)) {
		log_error("audit: unknown subcommand '%s%s%s'", sub, chain ? " " : "", what);
		usage(stderr);
		return 2;
	}
	if (parse_args(&a, argc - skip, argv + skip) < 0)
		return 2;
	if (strcmp(sub, "verify") == 0)
		rc = audit_verify_cmd(&a);
	else if (strcmp(sub, "append") == 0)
		rc = audit_append_cmd(&a);
	else if (strcmp(what, "status") == 0)
		rc = audit_status_cmd(&a);
	else
		rc = audit_reset_cmd(&a);
	audit_key_release(&a.key);
	return rc;
}
