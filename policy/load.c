/*
 * Policy YAML reader: libyaml document -> struct policy, driven by one schema
 * table per YAML mapping. Like yaml.v3 with KnownFields(true): unknown keys,
 * duplicate keys and wrong types are errors reported as FILE:LINE:COL.
 */
#include "compat.h"
#include "internal.h"
#include "schema.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <yaml.h>

/* Bounds for hostile input (alias bombs, deep nesting). */
#define MAX_DEPTH 64
#define MAX_NODES 1000000L

struct ctx {
	const char *file;
	yaml_document_t *doc;
	struct policy_error *err;
	int depth;
	long budget;
};

static int parse_mapping(struct ctx *c, const yaml_node_t *n, const struct schema *s, void *obj);

static struct pos node_pos(const yaml_node_t *n)
{
	return (struct pos){(int)n->start_mark.line + 1, (int)n->start_mark.column + 1};
}

static int fail(struct ctx *c, const yaml_node_t *n, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int fail(struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return policy_errorf(c->err, c->file, node_pos(n), "%s", msg);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static bool is_null(const yaml_node_t *n)
{
	static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};

	if (!is_plain(n))
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(nulls); i++)
		if (strcmp(sval(n), nulls[i]) == 0)
			return true;
	return false;
}

static const char *kind_name(const yaml_node_t *n)
{
	return n->type == YAML_MAPPING_NODE    ? "a mapping"
	       : n->type == YAML_SEQUENCE_NODE ? "a list"
					       : "a scalar";
}

static int want_scalar(struct ctx *c, const yaml_node_t *n, const char *key, const char *what)
{
	if (n->type == YAML_SCALAR_NODE)
		return 0;
	return fail(c, n, "%s: expected %s, got %s", key, what, kind_name(n));
}

static int dup_str(struct ctx *c, const yaml_node_t *n, const char *key, char **out)
{
	int r = want_scalar(c, n, key, "a string");

	if (r < 0)
		return r;
	free(*out);
	*out = is_null(n) ? NULL : strdup(sval(n));
	if (!is_null(n) && !*out)
		return -ENOMEM;
	return 0;
}

static int parse_long(const char *s, long *out)
{
	char buf[64], *end;
	size_t j = 0;
	int base = 10;

	for (size_t i = 0; s[i] && j + 1 < sizeof(buf); i++)
		if (s[i] != '_')
			buf[j++] = s[i];
	buf[j] = 0;
	if (j == 0 || s[strlen(s) - 1] == '_')
		return -EINVAL;
	s = buf;
	if ((s[0] == '+' || s[0] == '-') && s[1] == '0' && (s[2] == 'x' || s[2] == 'o'))
		return -EINVAL;
	if (s[0] == '0' && s[1] == 'x')
		base = 16, s += 2;
	else if (s[0] == '0' && s[1] == 'o')
		base = 8, s += 2;
	errno = 0;
	*out = strtol(s, &end, base);
	if (end == s || *end || errno)
		return -EINVAL;
	return 0;
}

static int get_int(struct ctx *c, const yaml_node_t *n, const char *key, long *out)
{
	int r = want_scalar(c, n, key, "an integer");

	if (r < 0)
		return r;
	if (is_null(n)) {
		*out = 0;
		return 0;
	}
	if (!is_plain(n) || parse_long(sval(n), out) < 0)
		return fail(c, n, "%s: expected an integer, got \"%s\"", key, sval(n));
	return 0;
}

static int get_bool(struct ctx *c, const yaml_node_t *n, const char *key, bool *out)
{
	static const char *const t[] = {"true", "True", "TRUE", "yes", "Yes",
					"YES",	"on",	"On",	"ON"};
	static const char *const f[] = {"false", "False", "FALSE", "no", "No",
					"NO",	 "off",	  "Off",   "OFF"};
	int r = want_scalar(c, n, key, "a boolean");

	if (r < 0)
		return r;
	for (size_t i = 0; is_plain(n) && i < ARRAY_SIZE(t); i++) {
		if (strcmp(sval(n), t[i]) == 0)
			return *out = true, 0;
		if (strcmp(sval(n), f[i]) == 0)
			return *out = false, 0;
	}
	if (is_null(n))
		return *out = false, 0;
	return fail(c, n, "%s: expected a boolean, got \"%s\"", key, sval(n));
}

/* Go's time.ParseDuration, in milliseconds. */
int policy_parse_duration_ms(const char *s, long *out_ms)
{
	static const struct {
		const char *unit;
		double ms;
	} units[] = {{"ns", 1e-6}, {"us", 1e-3}, {"\xc2\xb5s", 1e-3}, {"\xce\xbcs", 1e-3},
		     {"ms", 1},	   {"s", 1000},	 {"m", 60000},	      {"h", 3600000}};
	double total = 0, sign = 1;

	if (*s == '-' || *s == '+')
		sign = *s++ == '-' ? -1 : 1;
	if (strcmp(s, "0") == 0)
		return *out_ms = 0, 0;
	if (!*s)
		return -EINVAL;
	while (*s) {
		char *end;
		double v;
		size_t i, n = 0;

		if (!((*s >= '0' && *s <= '9') || *s == '.'))
			return -EINVAL;
		v = strtod(s, &end);
		if (end == s)
			return -EINVAL;
		for (i = 0; i < ARRAY_SIZE(units); i++) {
			n = strlen(units[i].unit);
			if (strncmp(end, units[i].unit, n) == 0 &&
			    !(units[i].unit[0] == 'm' && n == 1 && end[1] == 's'))
				break;
		}
		if (i == ARRAY_SIZE(units))
			return -EINVAL;
		total += v * units[i].ms;
		if (total > (double)LONG_MAX / 2)
			return -ERANGE;
		s = end + n;
	}
	*out_ms = (long)(sign * total);
	return 0;
}

static int get_dur(struct ctx *c, const yaml_node_t *n, const char *key, long *out)
{
	int r = want_scalar(c, n, key, "a duration");

	if (r < 0)
		return r;
	if (is_null(n))
		return *out = 0, 0;
	if (policy_parse_duration_ms(sval(n), out) < 0)
		return fail(c, n, "%s: invalid duration \"%s\" (e.g. 30s, 5m, 1h30m)", key,
			    sval(n));
	return 0;
}

static int list_push(void **v, size_t n, size_t size, struct pos **pos)
{
	void *nv = realloc(*v, (n + 1) * size);
	struct pos *np;

	if (!nv)
		return -ENOMEM;
	*v = nv;
	memset((char *)nv + n * size, 0, size);
	if (!pos)
		return 0;
	np = realloc(*pos, (n + 1) * sizeof(**pos));
	if (!np)
		return -ENOMEM;
	*pos = np;
	return 0;
}

static int want_seq(struct ctx *c, const yaml_node_t *n, const char *key)
{
	if (n->type == YAML_SEQUENCE_NODE)
		return 0;
	return fail(c, n, "%s: expected a list, got %s", key, kind_name(n));
}

static int get_strlist(struct ctx *c, const yaml_node_t *n, const char *key, struct strlist *l)
{
	yaml_node_item_t *it;
	int r;

	if (is_null(n))
		return 0;
	if ((r = want_seq(c, n, key)) < 0)
		return r;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		if ((r = want_scalar(c, e, key, "a string")) < 0)
			return r;
		if (list_push((void **)&l->v, l->n, sizeof(char *), &l->pos) < 0 ||
		    !(l->v[l->n] = strdup(is_null(e) ? "" : sval(e))))
			return -ENOMEM;
		l->pos[l->n++] = node_pos(e);
	}
	return 0;
}

static int get_intlist(struct ctx *c, const yaml_node_t *n, const char *key, struct intlist *l)
{
	yaml_node_item_t *it;
	int r;

	if (is_null(n))
		return 0;
	if ((r = want_seq(c, n, key)) < 0)
		return r;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		if (list_push((void **)&l->v, l->n, sizeof(long), &l->pos) < 0)
			return -ENOMEM;
		if ((r = get_int(c, e, key, &l->v[l->n])) < 0)
			return r;
		l->pos[l->n++] = node_pos(e);
	}
	return 0;
}

static int want_map(struct ctx *c, const yaml_node_t *n, const char *key)
{
	if (n->type == YAML_MAPPING_NODE)
		return 0;
	return fail(c, n, "%s: expected a mapping, got %s", key, kind_name(n));
}

static int get_strmap(struct ctx *c, const yaml_node_t *n, const char *key, struct strlist *l)
{
	yaml_node_pair_t *pr;
	int r;

	if (is_null(n))
		return 0;
	if ((r = want_map(c, n, key)) < 0)
		return r;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		size_t len;

		if ((r = want_scalar(c, k, key, "a string key")) < 0 ||
		    (r = want_scalar(c, v, sval(k), "a string")) < 0)
			return r;
		if (!*sval(k) || strchr(sval(k), '='))
			return fail(c, k, "%s: invalid variable name \"%s\"", key, sval(k));
		if (list_push((void **)&l->v, l->n, sizeof(char *), &l->pos) < 0)
			return -ENOMEM;
		len = strlen(sval(k)) + strlen(sval(v)) + 2;
		if (!(l->v[l->n] = malloc(len)))
			return -ENOMEM;
		snprintf(l->v[l->n], len, "%s=%s", sval(k), is_null(v) ? "" : sval(v));
		l->pos[l->n++] = node_pos(k);
	}
	return 0;
}

static int get_context(struct ctx *c, const yaml_node_t *n, const char *key, struct depth_range *d)
{
	yaml_node_item_t *it;
	bool direct = false, nested = false;

	*d = (struct depth_range){.set = true, .min = 0, .max = -1};
	if (is_null(n))
		return 0;
	if (n->type == YAML_MAPPING_NODE)
		return parse_mapping(c, n, &schema_depth, d);
	if (n->type != YAML_SEQUENCE_NODE)
		return fail(c, n, "%s: expected [direct], [nested] or {min_depth, max_depth}", key);
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		if (e->type == YAML_SCALAR_NODE && strcmp(sval(e), "direct") == 0)
			direct = true;
		else if (e->type == YAML_SCALAR_NODE && strcmp(sval(e), "nested") == 0)
			nested = true;
		else
			return fail(c, e, "%s: unknown context value (want direct or nested)", key);
	}
	if (direct && !nested)
		d->max = 0;
	else if (nested && !direct)
		d->min = 1;
	return 0;
}

/* Walks a section kept for structure only, bounded against alias bombs. */
static int walk_any(struct ctx *c, const yaml_node_t *n)
{
	int r = 0;

	if (--c->budget < 0)
		return fail(c, n, "document too large (too many nodes after alias expansion)");
	if (++c->depth > MAX_DEPTH) {
		c->depth--;
		return fail(c, n, "nesting too deep");
	}
	if (n->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     r == 0 && it < n->data.sequence.items.top; it++)
			r = walk_any(c, yaml_document_get_node(c->doc, *it));
	} else if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     r == 0 && pr < n->data.mapping.pairs.top; pr++) {
			r = walk_any(c, yaml_document_get_node(c->doc, pr->key));
			if (r == 0)
				r = walk_any(c, yaml_document_get_node(c->doc, pr->value));
		}
	}
	c->depth--;
	return r;
}

static int get_objlist(struct ctx *c, const yaml_node_t *n, const struct field *f,
		       struct objlist *l)
{
	yaml_node_item_t *it;
	int r;

	if (is_null(n))
		return 0;
	if ((r = want_seq(c, n, f->key)) < 0)
		return r;
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);

		if (list_push(&l->v, l->n, f->sub->size, NULL) < 0)
			return -ENOMEM;
		l->n++;
		if ((r = parse_mapping(c, e, f->sub, (char *)l->v + (l->n - 1) * f->sub->size)) < 0)
			return r;
	}
	return 0;
}

static int parse_field(struct ctx *c, const yaml_node_t *n, const struct field *f, void *obj)
{
	void *dst = (char *)obj + f->off;
	struct rule_decision *d = dst;
	struct any_section *a = dst;

	switch (f->type) {
	case F_STR:
		return dup_str(c, n, f->key, dst);
	case F_INT:
		return get_int(c, n, f->key, dst);
	case F_BOOL:
		return get_bool(c, n, f->key, dst);
	case F_TRIBOOL: {
		bool b = false;
		int r = get_bool(c, n, f->key, &b);

		*(signed char *)dst = b ? 2 : 1;
		return r;
	}
	case F_DUR:
		return get_dur(c, n, f->key, dst);
	case F_STRLIST:
		return get_strlist(c, n, f->key, dst);
	case F_INTLIST:
		return get_intlist(c, n, f->key, dst);
	case F_STRMAP:
		return get_strmap(c, n, f->key, dst);
	case F_OBJ:
		return parse_mapping(c, n, f->sub, dst);
	case F_OBJLIST:
		return get_objlist(c, n, f, dst);
	case F_CONTEXT:
		return get_context(c, n, f->key, dst);
	case F_DECISION:
		d->pos = node_pos(n);
		return dup_str(c, n, f->key, &d->text);
	case F_ANY:
		a->present = true;
		a->pos = node_pos(n);
		return walk_any(c, n);
	case F_REJECT:
		return fail(c, n, "%s", f->hint);
	}
	return -EINVAL;
}

static int parse_mapping(struct ctx *c, const yaml_node_t *n, const struct schema *s, void *obj)
{
	uint64_t seen = 0;
	int r = 0;

	if (s->pos_off != NO_POS)
		*(struct pos *)((char *)obj + s->pos_off) = node_pos(n);
	if (is_null(n))
		return 0;
	if (n->type != YAML_MAPPING_NODE)
		return fail(c, n, "%s: expected a mapping, got %s", s->what, kind_name(n));
	if (--c->budget < 0 || c->depth >= MAX_DEPTH)
		return fail(c, n, "document too large or nested too deeply");
	c->depth++;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     r == 0 && pr < n->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, pr->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, pr->value);
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			r = fail(c, k, "%s: keys must be strings", s->what);
			break;
		}
		for (i = 0; i < s->nfields && strcmp(s->fields[i].key, sval(k)) != 0; i++)
			;
		if (i == s->nfields)
			r = fail(c, k, "unknown key \"%s\" in %s", sval(k), s->what);
		else if (seen & (1ull << i))
			r = fail(c, k, "key \"%s\" already defined in this %s", sval(k), s->what);
		else {
			seen |= 1ull << i;
			r = parse_field(c, v, &s->fields[i], obj);
		}
	}
	c->depth--;
	return r;
}

static void release_strlist(struct strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->pos);
	*l = (struct strlist){0};
}

void policy_release_obj(const struct schema *s, void *obj)
{
	for (size_t i = 0; i < s->nfields; i++) {
		const struct field *f = &s->fields[i];
		void *dst = (char *)obj + f->off;
		struct objlist *l = dst;

		switch (f->type) {
		case F_STR:
			free(*(char **)dst);
			*(char **)dst = NULL;
			break;
		case F_DECISION:
			free(((struct rule_decision *)dst)->text);
			((struct rule_decision *)dst)->text = NULL;
			break;
		case F_STRLIST:
		case F_STRMAP:
			release_strlist(dst);
			break;
		case F_INTLIST:
			free(((struct intlist *)dst)->v);
			free(((struct intlist *)dst)->pos);
			*(struct intlist *)dst = (struct intlist){0};
			break;
		case F_OBJ:
			policy_release_obj(f->sub, dst);
			break;
		case F_OBJLIST:
			for (size_t j = 0; j < l->n; j++)
				policy_release_obj(f->sub, (char *)l->v + j * f->sub->size);
			free(l->v);
			*l = (struct objlist){0};
			break;
		default:
			break;
		}
	}
}

static int yaml_error(struct policy_error *err, const char *file, const yaml_parser_t *y)
{
	struct pos p = {(int)y->problem_mark.line + 1, (int)y->problem_mark.column + 1};

	if (y->error == YAML_MEMORY_ERROR)
		return policy_errorf(err, file, p, "out of memory"), -ENOMEM;
	if (y->context)
		return policy_errorf(err, file, p, "%s %s",
				     y->problem ? y->problem : "syntax error", y->context);
	return policy_errorf(err, file, p, "%s", y->problem ? y->problem : "syntax error");
}

int policy_parse_yaml(const char *file, const char *text, size_t len, struct policy *p,
		      struct policy_error *err)
{
	struct ctx c = {.file = file, .err = err, .budget = MAX_NODES};
	yaml_parser_t y;
	yaml_document_t doc;
	yaml_node_t *root;
	int r;

	if (!yaml_parser_initialize(&y))
		return policy_errorf(err, file, (struct pos){0}, "out of memory"), -ENOMEM;
	yaml_parser_set_input_string(&y, (const unsigned char *)text, len);
	if (!yaml_parser_load(&y, &doc)) {
		r = yaml_error(err, file, &y);
		yaml_parser_delete(&y);
		return r < 0 ? r : -EINVAL;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root)
		r = policy_errorf(err, file, (struct pos){1, 1}, "empty policy document");
	else
		r = parse_mapping(&c, root, &schema_policy, p);
	yaml_document_delete(&doc);
	yaml_parser_delete(&y);
	return r;
}
