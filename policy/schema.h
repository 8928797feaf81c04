/* Tables describing each YAML mapping of a policy (key, type, where it goes). */
#ifndef AGENTSH_POLICY_SCHEMA_H
#define AGENTSH_POLICY_SCHEMA_H

#include <stddef.h>

enum ftype {
	F_STR,	    /* char * */
	F_INT,	    /* long */
	F_BOOL,	    /* bool */
	F_TRIBOOL,  /* signed char: 0 unset, 1 false, 2 true */
	F_DUR,	    /* long milliseconds, Go duration syntax */
	F_STRLIST,  /* struct strlist */
	F_INTLIST,  /* struct intlist */
	F_STRMAP,   /* struct strlist of "K=V" */
	F_OBJ,	    /* nested struct, sub */
	F_OBJLIST,  /* struct objlist of sub */
	F_CONTEXT,  /* struct depth_range: [direct|nested] or {min_depth, max_depth} */
	F_DECISION, /* struct rule_decision */
	F_ANY,	    /* struct any_section: structure checked, content not enforced */
	F_REJECT,   /* refused with hint */
};

struct schema;

struct field {
	const char *key;
	enum ftype type;
	size_t off;
	const struct schema *sub;
	const char *hint;
};

#define NO_POS ((size_t)-1)

struct schema {
	const char *what; /* for messages: "file_rules entry" */
	size_t size;
	size_t pos_off; /* where the mapping's struct pos goes, or NO_POS */
	const struct field *fields;
	size_t nfields;
};

extern const struct schema schema_policy;
extern const struct schema schema_depth;

/* Frees every string/list the schema describes inside obj (not obj itself). */
void policy_release_obj(const struct schema *s, void *obj);
/* Go time.ParseDuration, in ms. */
int policy_parse_duration_ms(const char *s, long *out_ms);

#endif /* !AGENTSH_POLICY_SCHEMA_H */
