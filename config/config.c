/* Config loader: libyaml document → struct config, driven by the key table. */
#include "compat.h"
#include "config.h"
#include "config_schema.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <yaml.h>

#define FIELD(cfg, off, type) ((type *)((char *)(cfg) + (off)))

struct loader {
	yaml_document_t doc;
	const char *file;
	char *err;
	struct config *cfg;
};

/* Values a string key may take ("a|b|c"); others are refused at load. */
static const struct {
	const char *path, *allowed;
} config_enums[] = {
	{ "auth.type", "none|api_key|oidc|hybrid" },
	{ "audit.integrity.algorithm", "hmac-sha256|hmac-sha512" },
	{ "audit.integrity.key_source", "file|env|aws_kms|azure_keyvault|hashicorp_vault|gcp_kms" },
	{ "sandbox.ptrace.attach_mode", "children|pid" },
	{ "sandbox.ptrace.trace.verify_open", "auto|always|never" },
	{ "sandbox.ptrace.mask_tracer_pid", "off" },
	{ "sandbox.ptrace.on_attach_failure", "fail_open|fail_closed" },
	{ "sandbox.seccomp.mode", "enforce|audit|disabled" },
	{ "sandbox.fuse.audit.mode", "monitor|soft_block|soft_delete|strict" },
	{ "sandbox.network.intercept_mode", "all|tcp_only|monitor" },
	{ "policies.signing.mode", "enforce|warn|off" },
	{ "policies.symlink_escape", "evaluate|deny" },
	{ "security.mode", "auto|full|landlock|landlock-only|minimal" },
	{ "security.minimum_mode", "auto|full|landlock|landlock-only|minimal" },
};

static const char *const default_families[] = { "AF_ALG",  "AF_VSOCK",  "AF_RDS",    "AF_TIPC",
						 "AF_KCM",  "AF_X25",    "AF_AX25",   "AF_NETROM",
						 "AF_ROSE", "AF_DECnet", "AF_APPLETALK", "AF_IPX" };

static int loader_err(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
	PRINTF_LIKE(3, 4);
static int loader_err(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	va_list ap;
	int off = snprintf(l->err, CONFIG_ERR_LEN, "%s:%zu:%zu: ", l->file,
			   n->start_mark.line + 1, n->start_mark.column + 1);

	va_start(ap, fmt);
	vsnprintf(l->err + off, CONFIG_ERR_LEN - (size_t)off, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void strv_free(struct config_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

static void families_free(struct config_families *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].family);
		free(f->v[i].action);
	}
	free(f->v);
	f->v = NULL;
	f->n = 0;
}

static void field_free(struct config *cfg, const struct config_key *k)
{
	if (k->off == CONFIG_NO_OFF)
		return;
	if (k->type == CT_STR) {
		free(*FIELD(cfg, k->off, char *));
		*FIELD(cfg, k->off, char *) = NULL;
	} else if (k->type == CT_STRV) {
		strv_free(FIELD(cfg, k->off, struct config_strv));
	} else if (k->type == CT_FAMILIES) {
		families_free(FIELD(cfg, k->off, struct config_families));
	} else if (k->type == CT_ANY) {
		cJSON_Delete(*FIELD(cfg, k->off, cJSON *));
		*FIELD(cfg, k->off, cJSON *) = NULL;
	}
}

void config_free(struct config *cfg)
{
	if (!cfg)
		return;
	for (size_t i = 0; i < config_nkeys; i++)
		field_free(cfg, &config_keys[i]);
	free(cfg->path);
	cfg->path = NULL;
}

static void default_families_set(struct config_families *f)
{
	f->v = calloc(ARRAY_SIZE(default_families), sizeof(*f->v));
	if (!f->v)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(default_families); i++) {
		f->v[i].family = strdup(default_families[i]);
		f->v[i].action = strdup("errno");
	}
	f->n = ARRAY_SIZE(default_families);
}

static void field_default(struct config *cfg, const struct config_key *k)
{
	switch (k->type) {
	case CT_BOOL:
		*FIELD(cfg, k->off, bool) = k->def_i != 0;
		break;
	case CT_LONG:
		*FIELD(cfg, k->off, long) = (long)k->def_i;
		break;
	case CT_STR:
		*FIELD(cfg, k->off, char *) = k->def_s ? strdup(k->def_s) : NULL;
		break;
	case CT_DUR:
		config_parse_duration_ms(k->def_s, FIELD(cfg, k->off, long long));
		break;
	case CT_SIZE:
		config_parse_size(k->def_s, FIELD(cfg, k->off, long long));
		break;
	case CT_FAMILIES:
		default_families_set(FIELD(cfg, k->off, struct config_families));
		break;
	case CT_STRV:
	case CT_ANY:
		break;
	}
}

void config_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (size_t i = 0; i < config_nkeys; i++)
		if (config_keys[i].off != CONFIG_NO_OFF)
			field_default(cfg, &config_keys[i]);
}

static const struct config_key *key_find(const char *path)
{
	for (size_t i = 0; i < config_nkeys; i++)
		if (strcmp(config_keys[i].path, path) == 0)
			return &config_keys[i];
	return NULL;
}

/* True when some key lives below path (so path is a mapping we know). */
static bool key_is_section(const char *path)
{
	size_t n = strlen(path);

	for (size_t i = 0; i < config_nkeys; i++)
		if (strncmp(config_keys[i].path, path, n) == 0 && config_keys[i].path[n] == '.')
			return true;
	return false;
}

static bool key_has_wildcard(const char *prefix)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s.*", prefix);
	return key_find(buf) != NULL;
}

static const char *scalar(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool scalar_is_null(const yaml_node_t *n)
{
	const char *s = scalar(n);

	if (!s || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static int bool_parse(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "True", "TRUE", "yes", "on" };
	static const char *const no[] = { "false", "False", "FALSE", "no", "off" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (strcmp(s, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(s, no[i]) == 0)
			return *out = false, 0;
	}
	return -EINVAL;
}

static int long_parse(const char *s, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 0);
	if (errno || end == s || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

static cJSON *node_to_json(yaml_document_t *doc, yaml_node_t *n);

static cJSON *scalar_to_json(yaml_node_t *n)
{
	const char *s = scalar(n);
	char *end;
	double d;
	bool b;

	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return cJSON_CreateString(s);
	if (scalar_is_null(n))
		return cJSON_CreateNull();
	if (bool_parse(s, &b) == 0)
		return cJSON_CreateBool(b);
	d = strtod(s, &end);
	if (end != s && !*end)
		return cJSON_CreateNumber(d);
	return cJSON_CreateString(s);
}

static cJSON *node_to_json(yaml_document_t *doc, yaml_node_t *n)
{
	cJSON *j;

	if (n->type == YAML_SCALAR_NODE)
		return scalar_to_json(n);
	if (n->type == YAML_SEQUENCE_NODE) {
		j = cJSON_CreateArray();
		for (yaml_node_item_t *it = n->data.sequence.items.start;
		     j && it < n->data.sequence.items.top; it++)
			cJSON_AddItemToArray(j, node_to_json(doc, yaml_document_get_node(doc, *it)));
		return j;
	}
	j = cJSON_CreateObject();
	for (yaml_node_pair_t *p = n->data.mapping.pairs.start; j && p < n->data.mapping.pairs.top;
	     p++) {
		const char *k = scalar(yaml_document_get_node(doc, p->key));

		cJSON_DeleteItemFromObjectCaseSensitive(j, k ? k : "");
		cJSON_AddItemToObject(j, k ? k : "",
				      node_to_json(doc, yaml_document_get_node(doc, p->value)));
	}
	return j;
}

static int enum_check(struct loader *l, const char *path, yaml_node_t *n, const char *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(config_enums); i++) {
		const char *a = config_enums[i].allowed;
		size_t vl = strlen(v);

		if (strcmp(config_enums[i].path, path) != 0)
			continue;
		for (const char *p = a; p; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL)
			if (strncmp(p, v, vl) == 0 && (p[vl] == '|' || !p[vl]))
				return 0;
		return loader_err(l, n, "invalid %s \"%s\" (one of %s)", path, v, a);
	}
	return 0;
}

static int set_strv(struct loader *l, struct config_strv *v, yaml_node_t *n, const char *path)
{
	strv_free(v);
	if (scalar_is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return loader_err(l, n, "%s: expected a list", path);
	v->v = calloc((size_t)(n->data.sequence.items.top - n->data.sequence.items.start) + 1,
		      sizeof(char *));
	if (!v->v)
		return -ENOMEM;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *e = yaml_document_get_node(&l->doc, *it);

		if (!scalar(e))
			return loader_err(l, e, "%s: expected a list of strings", path);
		v->v[v->n] = strdup(scalar(e));
		if (!v->v[v->n++])
			return -ENOMEM;
	}
	return 0;
}

static int family_set(struct loader *l, struct config_socket_family *f, yaml_node_t *e)
{
	if (scalar(e)) {
		f->family = strdup(scalar(e));
		f->action = strdup("errno");
		return 0;
	}
	if (e->type != YAML_MAPPING_NODE)
		return loader_err(l, e, "blocked_socket_families: expected {family, action}");
	for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&l->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(&l->doc, p->value);
		char **dst = NULL;

		if (scalar(k) && strcmp(scalar(k), "family") == 0)
			dst = &f->family;
		else if (scalar(k) && strcmp(scalar(k), "action") == 0)
			dst = &f->action;
		if (!dst)
			return loader_err(l, k, "unknown key \"%s\"", scalar(k) ? scalar(k) : "?");
		if (!scalar(v))
			return loader_err(l, v, "expected a string");
		free(*dst);
		*dst = strdup(scalar(v));
	}
	if (!f->family)
		return loader_err(l, e, "blocked_socket_families: entry needs a family");
	if (!f->action)
		f->action = strdup("errno");
	return 0;
}

static int set_families(struct loader *l, struct config_families *f, yaml_node_t *n)
{
	families_free(f);
	if (scalar_is_null(n))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return loader_err(l, n, "blocked_socket_families: expected a list");
	f->v = calloc((size_t)(n->data.sequence.items.top - n->data.sequence.items.start) + 1,
		      sizeof(*f->v));
	if (!f->v)
		return -ENOMEM;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		int r = family_set(l, &f->v[f->n++], yaml_document_get_node(&l->doc, *it));

		if (r < 0)
			return r;
	}
	return 0;
}

static int set_scalar(struct loader *l, const struct config_key *k, yaml_node_t *n)
{
	const char *s = scalar(n);
	void *dst = (char *)l->cfg + k->off;
	int r = 0;

	if (!s)
		return loader_err(l, n, "%s: expected a single value", k->path);
	switch (k->type) {
	case CT_BOOL:
		r = bool_parse(s, dst);
		break;
	case CT_LONG:
		r = long_parse(s, dst);
		break;
	case CT_DUR:
		r = config_parse_duration_ms(s, dst);
		break;
	case CT_SIZE:
		r = config_parse_size(s, dst);
		break;
	default:
		if ((r = enum_check(l, k->path, n, s)) < 0)
			return r;
		free(*(char **)dst);
		*(char **)dst = scalar_is_null(n) ? NULL : strdup(s);
		return 0;
	}
	if (r < 0)
		return loader_err(l, n, "%s: invalid value \"%s\"", k->path, s);
	return 0;
}

static int set_value(struct loader *l, const struct config_key *k, yaml_node_t *n)
{
	if (k->off == CONFIG_NO_OFF)
		return 0;
	switch (k->type) {
	case CT_STRV:
		return set_strv(l, FIELD(l->cfg, k->off, struct config_strv), n, k->path);
	case CT_FAMILIES:
		return set_families(l, FIELD(l->cfg, k->off, struct config_families), n);
	case CT_ANY:
		cJSON_Delete(*FIELD(l->cfg, k->off, cJSON *));
		*FIELD(l->cfg, k->off, cJSON *) = node_to_json(&l->doc, n);
		return 0;
	default:
		if (k->type != CT_STR && scalar_is_null(n))
			return 0;
		return set_scalar(l, k, n);
	}
}

static int walk_mapping(struct loader *l, yaml_node_t *map, const char *prefix);

static bool key_seen_before(struct loader *l, yaml_node_t *map, yaml_node_pair_t *pair)
{
	const char *k = scalar(yaml_document_get_node(&l->doc, pair->key));

	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
		const char *o = scalar(yaml_document_get_node(&l->doc, p->key));

		if (o && k && strcmp(o, k) == 0)
			return true;
	}
	return false;
}

static int walk_pair(struct loader *l, yaml_node_t *map, yaml_node_pair_t *p, const char *prefix)
{
	yaml_node_t *kn = yaml_document_get_node(&l->doc, p->key);
	yaml_node_t *vn = yaml_document_get_node(&l->doc, p->value);
	const struct config_key *k;
	char path[256];

	if (!scalar(kn))
		return loader_err(l, kn, "expected a key");
	if (key_seen_before(l, map, p))
		return loader_err(l, kn, "duplicate key \"%s\"", scalar(kn));
	snprintf(path, sizeof(path), "%s%s%s", prefix, *prefix ? "." : "", scalar(kn));
	k = key_find(path);
	if (k)
		return set_value(l, k, vn);
	if (key_is_section(path)) {
		if (scalar_is_null(vn))
			return 0;
		if (vn->type != YAML_MAPPING_NODE)
			return loader_err(l, vn, "%s: expected a mapping", path);
		return walk_mapping(l, vn, path);
	}
	if (*prefix && key_has_wildcard(prefix))
		return 0;
	return loader_err(l, kn, "unknown key \"%s\"", path);
}

static int walk_mapping(struct loader *l, yaml_node_t *map, const char *prefix)
{
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		int r = walk_pair(l, map, p, prefix);

		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_text(struct loader *l, const char *text)
{
	yaml_parser_t parser;
	yaml_node_t *root;
	int r = 0;

	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
	if (!yaml_parser_load(&parser, &l->doc)) {
		snprintf(l->err, CONFIG_ERR_LEN, "%s:%zu:%zu: %s", l->file,
			 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
			 parser.problem ? parser.problem : "invalid yaml");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	yaml_parser_delete(&parser);
	root = yaml_document_get_root_node(&l->doc);
	if (root && !scalar_is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			r = loader_err(l, root, "expected a mapping at top level");
		else
			r = walk_mapping(l, root, "");
	}
	yaml_document_delete(&l->doc);
	return r;
}

int config_parse_text(const char *file, const char *text, struct config *cfg, char *err)
{
	struct loader l = { .file = file, .err = err, .cfg = cfg };

	return parse_text(&l, text);
}
