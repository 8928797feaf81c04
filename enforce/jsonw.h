/* Streaming JSON writer for event lines (enforce/jsonw.c). */
#ifndef AGENTSH_JSONW_H
#define AGENTSH_JSONW_H

#include <stdbool.h>
#include <stddef.h>

#define JW_MAX_DEPTH 8

struct jw {
	char *buf;
	size_t len, cap;
	bool err;
	int depth;
	unsigned n[JW_MAX_DEPTH]; /* members written at each open level */
};

/* key is NULL for array elements and the top level. */
void jw_obj(struct jw *w, const char *key);
void jw_arr(struct jw *w, const char *key);
void jw_end_obj(struct jw *w);
void jw_end_arr(struct jw *w);
void jw_str(struct jw *w, const char *key, const char *val);
void jw_num(struct jw *w, const char *key, long long val);
void jw_bool(struct jw *w, const char *key, bool val);
char *jw_finish(struct jw *w);

#endif /* !AGENTSH_JSONW_H */
