/* Internal: the table of config keys (one row per key) shared by the loader. */
#ifndef AGENTSH_CONFIG_SCHEMA_H
#define AGENTSH_CONFIG_SCHEMA_H

#include <stddef.h>

enum config_type {
	CT_BOOL,
	CT_LONG,     /* long */
	CT_STR,      /* char * */
	CT_DUR,      /* long long milliseconds */
	CT_SIZE,     /* long long bytes */
	CT_STRV,     /* struct config_strv */
	CT_FAMILIES, /* struct config_families */
	CT_ANY,      /* struct cJSON *, any subtree accepted */
};

struct config_key {
	const char *path; /* dotted; "a.b.*" accepts any other key below a.b */
	enum config_type type;
	size_t off;
	const char *def_s; /* CT_STR, CT_DUR, CT_SIZE defaults as text */
	long long def_i;   /* CT_BOOL, CT_LONG */
};

extern const struct config_key config_keys[];
extern const size_t config_nkeys;

#define CONFIG_NO_OFF ((size_t)-1)

struct config;
/* Parses env-expanded YAML text over cfg; errors as "FILE:LINE:COL: what" in err. */
int config_parse_text(const char *file, const char *text, struct config *cfg, char *err);

#endif /* !AGENTSH_CONFIG_SCHEMA_H */
