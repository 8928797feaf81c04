/* Policy lifecycle, name tables, lookup by name, warnings. */
#include "compat.h"
#include "internal.h"
#include "schema.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>

/* Policy files larger than this are refused. */
#define POLICY_MAX_BYTES (8u << 20)

static const char *const decision_names[] = {
    [DECISION_ALLOW] = "allow",	    [DECISION_DENY] = "deny",
    [DECISION_APPROVE] = "approve", [DECISION_REDIRECT] = "redirect",
    [DECISION_AUDIT] = "audit",	    [DECISION_SOFT_DELETE] = "soft_delete",
    [DECISION_ABSORB] = "absorb",
};

const char *decision_name(enum decision d)
{
	if ((unsigned)d >= ARRAY_SIZE(decision_names))
		return NULL;
	return decision_names[d];
}

bool decision_parse(const char *name, enum decision *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(decision_names); i++)
		if (strcmp(name, decision_names[i]) == 0) {
			*out = (enum decision)i;
			return true;
		}
	return false;
}

/* In file_op_name() priority order: create > write > open, then by name. */
static const struct {
	const char *name;
	unsigned bit;
} file_ops[] = {
    {"create", FOP_CREATE},   {"write", FOP_WRITE}, {"open", FOP_OPEN},
    {"access", FOP_ACCESS},   {"chmod", FOP_CHMOD}, {"chown", FOP_CHOWN},
    {"delete", FOP_DELETE},   {"link", FOP_LINK},   {"list", FOP_LIST},
    {"mkdir", FOP_MKDIR},     {"read", FOP_READ},   {"readlink", FOP_READLINK},
    {"rename", FOP_RENAME},   {"rmdir", FOP_RMDIR}, {"stat", FOP_STAT},
    {"symlink", FOP_SYMLINK},
};

const char *file_op_name(unsigned ops)
{
	for (size_t i = 0; i < ARRAY_SIZE(file_ops); i++)
		if (ops & file_ops[i].bit)
			return file_ops[i].name;
	return "";
}

unsigned file_op_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(file_ops); i++)
		if (strcmp(name, file_ops[i].name) == 0)
			return file_ops[i].bit;
	return 0;
}

static const char *const sig_rel_names[] = {
    "self",   "children", "descendants", "siblings", "session",
    "parent", "external", "system",	 "user",
};

unsigned sig_rel_parse(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sig_rel_names); i++)
		if (strcmp(name, sig_rel_names[i]) == 0)
			return 1u << i;
	return 0;
}

int policy_errorf(struct policy_error *err, const char *file, struct pos pos, const char *fmt, ...)
{
	size_t cap = sizeof(err->message);
	va_list ap;
	int n;

	if (!err)
		return -EINVAL;
	if (pos.line > 0)
		n = snprintf(err->message, cap, "%s:%d:%d: ", file, pos.line, pos.col);
	else
		n = snprintf(err->message, cap, "%s: ", file);
	if (n < 0 || (size_t)n >= cap)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(err->message + n, cap - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void policy_warn(struct policy *p, const char *fmt, ...)
{
	struct strlist *w = &p->warnings;
	char **nv;
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s)
		return;
	nv = realloc(w->v, (w->n + 1) * sizeof(*nv));
	if (!nv) {
		free(s);
		return;
	}
	w->v = nv;
	w->v[w->n++] = s;
}

void policy_for_each_warning(const struct policy *p, void (*fn)(void *ctx, const char *msg),
			     void *ctx)
{
	for (size_t i = 0; p && i < p->warnings.n; i++)
		fn(ctx, p->warnings.v[i]);
}

const char *policy_name(const struct policy *p)
{
	return p->name ? p->name : "";
}

const char *policy_description(const struct policy *p)
{
	return p->description ? p->description : "";
}

void policy_free(struct policy *p)
{
	if (!p)
		return;
	policy_release(p);
	policy_release_obj(&schema_policy, p);
	for (size_t i = 0; i < p->warnings.n; i++)
		free(p->warnings.v[i]);
	free(p->warnings.v);
	free(p);
}

static int check_required(const char *file, const struct policy *p, struct policy_error *err)
{
	if (p->version <= 0)
		return policy_errorf(err, file, p->pos, "version must be > 0");
	if (!p->name || !*p->name)
		return policy_errorf(err, file, p->pos, "name is required");
	return 0;
}

int policy_load_buffer(const char *name, const char *text, size_t len,
		       const struct policy_vars *vars, const struct policy_opts *opts,
		       struct policy **out, struct policy_error *err)
{
	struct policy *p = calloc(1, sizeof(*p));
	int r;

	*out = NULL;
	if (err)
		err->message[0] = 0;
	if (!p)
		return -ENOMEM;
	if (opts)
		p->opts = *opts;
	r = policy_parse_yaml(name, text, len, p, err);
	if (r == 0)
		r = check_required(name, p, err);
	if (r == 0)
		r = policy_compile(name, p, vars, err);
	if (r < 0) {
		policy_free(p);
		return r;
	}
	*out = p;
	return 0;
}

static int read_file(const char *path, char **buf, size_t *len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	ssize_t n;
	size_t got = 0;

	if (fd < 0 || fstat(fd, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if ((size_t)st.st_size > POLICY_MAX_BYTES)
		return -EFBIG;
	if (!(*buf = malloc((size_t)st.st_size + 1)))
		return -ENOMEM;
	while (got < (size_t)st.st_size && (n = read(fd, *buf + got, (size_t)st.st_size - got)) > 0)
		got += (size_t)n;
	(*buf)[got] = 0;
	*len = got;
	return 0;
}

int policy_load_file(const char *path, const struct policy_vars *vars,
		     const struct policy_opts *opts, struct policy **out, struct policy_error *err)
{
	char *text = NULL;
	size_t len = 0;
	int r = read_file(path, &text, &len);

	*out = NULL;
	if (r < 0) {
		if (err)
			snprintf(err->message, sizeof(err->message), "%s: %s", path,
				 r == -EINVAL ? "not a regular file" : strerror(-r));
		return r;
	}
	r = policy_load_buffer(path, text, len, vars, opts, out, err);
	free(text);
	return r;
}

int policy_load_verified(const char *path, const struct policy_checks *checks,
			 const struct policy_vars *vars, const struct policy_opts *opts,
			 struct policy **out, struct policy_error *err)
{
	char msg[sizeof(err->message)];
	int r;

	*out = NULL;
	if (checks && checks->manifest_path && *checks->manifest_path &&
	    (r = policy_verify_manifest(checks->manifest_path, path, msg, sizeof(msg))) < 0)
		goto refused;
	if (checks && (r = policy_signing_check(path, checks->trust_store, checks->signing_mode,
						msg, sizeof(msg))) < 0)
		goto refused;
	if (checks && r > 0 && checks->warn)
		checks->warn(checks->ctx, msg);
	return policy_load_file(path, vars, opts, out, err);
refused:
	if (err)
		snprintf(err->message, sizeof(err->message), "%s: refused: %s", path, msg);
	return r;
}

int policy_find(const char *dir, const char *name, char *path, size_t pathlen)
{
	static const char *const suffixes[] = {".yaml", ".yml", ""};
	struct stat st;

	if (!*name || strchr(name, '/') || strstr(name, ".."))
		return -ENOENT;
	for (size_t i = 0; i < ARRAY_SIZE(suffixes); i++) {
		int n = snprintf(path, pathlen, "%s/%s%s", dir, name, suffixes[i]);

		if (n < 0 || (size_t)n >= pathlen)
			return -ENAMETOOLONG;
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			return 0;
	}
	return -ENOENT;
}

bool policy_has_signal_rules(const struct policy *p)
{
	return p->signal_rules.n > 0;
}

bool policy_has_unix_rules(const struct policy *p)
{
	return p->unix_rules.n > 0;
}

ssize_t lower_copy(char *buf, size_t cap, const char *s, size_t n)
{
	if (n + 1 > cap)
		return -1;
	for (size_t i = 0; i < n; i++)
		buf[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char)(s[i] + 32) : s[i];
	buf[n] = 0;
	return (ssize_t)n;
}
