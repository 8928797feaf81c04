/* Event lines from hostile strings (paths, argv, messages): the streaming
 * writer's output always parses as JSON and round-trips valid UTF-8. */
#include "compat.h"

#include <cjson/cJSON.h>

#include "enforce/jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), *out;
	struct jw w = { 0 };
	cJSON *j;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	jw_obj(&w, NULL);
	jw_str(&w, "path", s);
	jw_arr(&w, "argv");
	jw_str(&w, NULL, s);
	jw_end_arr(&w);
	jw_end_obj(&w);
	out = jw_finish(&w);
	if (out) {
		j = cJSON_Parse(out);
		if (!j)
			abort(); /* every event line must be valid JSON */
		cJSON_Delete(j);
	}
	free(out);
	free(s);
	return 0;
}
