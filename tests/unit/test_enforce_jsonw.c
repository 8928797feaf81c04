/* The event JSON writer: escaping, invalid UTF-8, nesting; output parses. */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <cmocka.h>

#include <cjson/cJSON.h>

#include "enforce/jsonw.h"

static void test_jsonw_escapes_controls_quotes_and_backslashes(void **s)
{
	struct jw w = { 0 };
	char *out;

	jw_obj(&w, NULL);
	jw_str(&w, "k", "a\"b\\c\nd\te\x01" "f");
	jw_end_obj(&w);
	out = jw_finish(&w);
	assert_string_equal(out, "{\"k\":\"a\\\"b\\\\c\\nd\\te\\u0001f\"}");
	free(out);
}

static void test_jsonw_invalid_utf8_becomes_replacement_char(void **s)
{
	struct jw w = { 0 };
	char *out;
	cJSON *j;

	jw_obj(&w, NULL);
	jw_str(&w, "p", "ok\xc3\xa9-bad\xff\xc3-end\xed\xa0\x80");
	jw_end_obj(&w);
	out = jw_finish(&w);
	j = cJSON_Parse(out);
	assert_non_null(j);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(j, "p")),
			    "ok\xc3\xa9-bad\xef\xbf\xbd\xef\xbf\xbd-end\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	cJSON_Delete(j);
	free(out);
}

static void test_jsonw_nesting_and_types(void **s)
{
	struct jw w = { 0 };
	char *out;

	jw_obj(&w, NULL);
	jw_num(&w, "n", -42);
	jw_arr(&w, "a");
	jw_str(&w, NULL, "x");
	jw_str(&w, NULL, "y");
	jw_end_arr(&w);
	jw_obj(&w, "o");
	jw_bool(&w, "t", true);
	jw_bool(&w, "f", false);
	jw_end_obj(&w);
	jw_end_obj(&w);
	out = jw_finish(&w);
	assert_string_equal(out, "{\"n\":-42,\"a\":[\"x\",\"y\"],\"o\":{\"t\":true,\"f\":false}}");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jsonw_escapes_controls_quotes_and_backslashes),
		cmocka_unit_test(test_jsonw_invalid_utf8_becomes_replacement_char),
		cmocka_unit_test(test_jsonw_nesting_and_types),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
