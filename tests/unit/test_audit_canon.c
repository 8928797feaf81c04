/* Canonical JSON encoding must match Go's encoding/json byte for byte (compat.md §5). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>

#include "audit/canon.h"

/* Parses in (with explicit length, so NUL and invalid bytes work) and re-encodes it. */
static int canon_of(const char *in, size_t len, struct canon_buf *out)
{
	struct canon_doc *doc;
	int r = canon_parse(in, len, &doc, NULL);

	if (r < 0)
		return r;
	r = canon_encode(canon_root(doc), out);
	canon_doc_free(doc);
	return r;
}

static void expect_canon_len(const char *in, size_t len, const char *want)
{
	struct canon_buf out = {0};

	assert_int_equal(canon_of(in, len, &out), 0);
	if (strcmp(out.p, want) != 0)
		print_error("input  %s\ngot    %s\nwanted %s\n", in, out.p, want);
	assert_string_equal(out.p, want);
	canon_buf_release(&out);
}

static void expect_canon(const char *in, const char *want)
{
	expect_canon_len(in, strlen(in), want);
}

static void expect_invalid(const char *in, bool unexpected_end)
{
	struct canon_doc *doc = NULL;
	struct canon_error err;

	if (canon_parse(in, strlen(in), &doc, &err) != -EINVAL)
		print_error("accepted invalid input %s\n", in);
	assert_null(doc);
	if (err.unexpected_end != unexpected_end)
		print_error("input %s: unexpected_end %d\n", in, err.unexpected_end);
	assert_int_equal(err.unexpected_end, unexpected_end);
}

static void test_keys_sorted_at_every_level(void **state)
{
	expect_canon("{\"b\":1,\"a\":{\"d\":[{\"y\":1,\"x\":2}],\"c\":null}}",
		     "{\"a\":{\"c\":null,\"d\":[{\"x\":2,\"y\":1}]},\"b\":1}");
	expect_canon("{\"\xc3\xa9\":1,\"z\":2,\"Z\":3,\"a\":4}",
		     "{\"Z\":3,\"a\":4,\"z\":2,\"\xc3\xa9\":1}");
	expect_canon("{\"ab\":1,\"a\":2,\"a\\u0000\":3}", "{\"a\":2,\"a\\u0000\":3,\"ab\":1}");
	expect_canon("{}", "{}");
	expect_canon("{\"a\":[],\"b\":{},\"c\":[[]]}", "{\"a\":[],\"b\":{},\"c\":[[]]}");
}

static void test_numbers_copied_as_written(void **state)
{
	expect_canon("{\"n\":[1.0,1E+2,12345678901234567890,-0,0.5e-7,1e5,-12.50]}",
		     "{\"n\":[1.0,1E+2,12345678901234567890,-0,0.5e-7,1e5,-12.50]}");
	expect_canon("{\"big\":123456789012345678901234567890.000000000000000001}",
		     "{\"big\":123456789012345678901234567890.000000000000000001}");
}

static void test_literals_and_whitespace(void **state)
{
	expect_canon(" \t\r\n{ \"a\" : [ true , false , null ] ,\n\"b\" : \"x\" } \n",
		     "{\"a\":[true,false,null],\"b\":\"x\"}");
}

static void test_string_escapes_like_go(void **state)
{
	expect_canon("{\"s\":\"<a href=\\\"x\\\">&amp;</a>\"}",
		     "{\"s\":\"\\u003ca href=\\\"x\\\"\\u003e\\u0026amp;\\u003c/a\\u003e\"}");
	expect_canon("{\"s\":\"\\b\\f\\n\\r\\t\\\\\\/\"}", "{\"s\":\"\\b\\f\\n\\r\\t\\\\/\"}");
	expect_canon("{\"s\":\"\\u0000\\u0001\\u001f\\u001F\\u0020\\u007f\"}",
		     "{\"s\":\"\\u0000\\u0001\\u001f\\u001f \x7f\"}");
	expect_canon("{\"s\":\"\\u2028\\u2029\xe2\x80\xa8\"}", "{\"s\":\"\\u2028\\u2029\\u2028\"}");
	expect_canon("{\"s\":\"\\u00e9\\u65e5\xe6\x97\xa5\"}",
		     "{\"s\":\"\xc3\xa9\xe6\x97\xa5\xe6\x97\xa5\"}");
	expect_canon("{\"<k>\":1}", "{\"\\u003ck\\u003e\":1}");
}

static void test_surrogates(void **state)
{
	expect_canon("{\"s\":\"\\ud83d\\ude00\"}", "{\"s\":\"\xf0\x9f\x98\x80\"}");
	expect_canon("{\"s\":\"\\ud800x\"}", "{\"s\":\"\xef\xbf\xbdx\"}");
	expect_canon("{\"s\":\"\\udc00\"}", "{\"s\":\"\xef\xbf\xbd\"}");
	expect_canon("{\"s\":\"\\ud800\\u0041\"}", "{\"s\":\"\xef\xbf\xbd"
						   "A\"}");
	expect_canon("{\"s\":\"\\ud800\\ud800\\udc00\"}",
		     "{\"s\":\"\xef\xbf\xbd\xf0\x90\x80\x80\"}");
}

static void test_invalid_utf8_becomes_replacement_char(void **state)
{
	static const char in[] =
	    "{\"k\":\"a\xff"
	    "b\xc3\",\"o\":\"\xc0\x80\",\"s\":\"\xed\xa0\x80\","
	    "\"t\":\"\xe2\x82\",\"u\":\"\xf4\x90\x80\x80\",\"v\":\"\xf0\x9f\x98\"}";
	static const char want[] =
	    "{\"k\":\"a\xef\xbf\xbd"
	    "b\xef\xbf\xbd\",\"o\":\"\xef\xbf\xbd\xef\xbf\xbd\","
	    "\"s\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\",\"t\":\"\xef\xbf\xbd\xef\xbf\xbd\","
	    "\"u\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\","
	    "\"v\":\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"}";

	expect_canon(in, want);
	expect_canon("{\"\xff\":1,\"a\":2}", "{\"a\":2,\"\xef\xbf\xbd\":1}");
}

static void test_embedded_nul_via_escape_round_trips(void **state)
{
	expect_canon_len("{\"a\":\"x\\u0000y\"}", 16, "{\"a\":\"x\\u0000y\"}");
}

static void test_duplicate_key_keeps_last_value(void **state)
{
	expect_canon("{\"a\":1,\"a\":{\"x\":2},\"b\":0,\"a\":3}", "{\"a\":3,\"b\":0}");
	expect_canon("{\"a\":{\"x\":1,\"y\":2},\"a\":{\"z\":3}}", "{\"a\":{\"z\":3}}");
	expect_canon("{\"o\":{\"k\":1,\"k\":2}}", "{\"o\":{\"k\":2}}");
}

static void test_rejects_invalid_json(void **state)
{
	static const char *const bad[] = {
	    "{\"a\":01}",
	    "{\"a\":1,}",
	    "[1,]",
	    "{\"a\":.5}",
	    "{\"a\":1.e3}",
	    "{\"a\":+1}",
	    "{'a':1}",
	    "{\"a\":tru }",
	    "{\"a\":\"\\u12G4\"}",
	    "{\"a\":\"tab\there\"}",
	    "{\"a\":NaN}",
	    "{\"a\":1}x",
	    "{\"a\" 1}",
	    "{\"a\":\"\\x\"}",
	    "{a:1}",
	    "{\"a\":1}}",
	    "",
	    "   ",
	    "{\"a\":-}x",
	    "{\"a\":1e}",
	    "{\"a\":Infinity}",
	    "{\"a\":[1 2]}",
	    "{,}",
	    "{\"a\":1 \"b\":2}",
	    "\xef\xbb\xbf{}",
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		expect_invalid(bad[i], i >= 16 && i <= 17);
}

static void test_torn_input_is_unexpected_end(void **state)
{
	static const char *const torn[] = {
	    "{",	  "{\"a\"",	    "{\"a\":",	   "{\"a\":\"b",
	    "{\"a\":1",	  "{\"a\":tr",	    "{\"a\":[1,",  "{\"a\":-",
	    "{\"a\":1.",  "{\"a\":\"\\u12", "{\"a\":\"\\", "{\"a\":{\"b\":nul",
	    "{\"a\":1e+",
	};

	for (size_t i = 0; i < ARRAY_SIZE(torn); i++)
		expect_invalid(torn[i], true);
}

static void test_depth_is_bounded(void **state)
{
	char buf[2 * (CANON_MAX_DEPTH + 2) + 8];
	struct canon_doc *doc;
	size_t n;

	for (int depth = CANON_MAX_DEPTH; depth <= CANON_MAX_DEPTH + 1; depth++) {
		n = 0;
		for (int i = 0; i < depth; i++)
			buf[n++] = '[';
		for (int i = 0; i < depth; i++)
			buf[n++] = ']';
		assert_int_equal(canon_parse(buf, n, &doc, NULL),
				 depth <= CANON_MAX_DEPTH ? 0 : -EINVAL);
		canon_doc_free(doc);
	}
}

static void test_encode_object_inserts_at_sorted_position(void **state)
{
	static const char raw[] = "{\"format_version\":2}";
	static const char *const cases[][2] = {
	    {"{\"type\":\"x\",\"id\":\"1\",\"integrity\":{\"old\":1}}",
	     "{\"id\":\"1\",\"integrity\":{\"format_version\":2},\"type\":\"x\"}"},
	    {"{}", "{\"integrity\":{\"format_version\":2}}"},
	    {"{\"a\":1}", "{\"a\":1,\"integrity\":{\"format_version\":2}}"},
	    {"{\"z\":1}", "{\"integrity\":{\"format_version\":2},\"z\":1}"},
	    {"{\"integrityx\":1,\"integ\":2}",
	     "{\"integ\":2,\"integrity\":{\"format_version\":2},\"integrityx\":1}"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct canon_buf out = {0};
		struct canon_doc *doc;

		assert_int_equal(canon_parse(cases[i][0], strlen(cases[i][0]), &doc, NULL), 0);
		assert_int_equal(canon_encode_object(canon_root(doc), "integrity", "integrity", raw,
						     strlen(raw), &out),
				 0);
		assert_string_equal(out.p, cases[i][1]);
		canon_buf_release(&out);
		canon_doc_free(doc);
	}
}

static void test_get_and_int64(void **state)
{
	static const char in[] = "{\"i\":{\"seq\":9223372036854775807,\"neg\":-3,\"f\":2.0,"
				 "\"big\":9223372036854775808,\"e\":2e0}}";
	struct canon_doc *doc;
	const struct canon_value *i;
	int64_t v;

	assert_int_equal(canon_parse(in, strlen(in), &doc, NULL), 0);
	i = canon_get(canon_root(doc), "i");
	assert_non_null(i);
	assert_true(canon_get_int64(canon_get(i, "seq"), &v));
	assert_true(v == INT64_MAX);
	assert_true(canon_get_int64(canon_get(i, "neg"), &v));
	assert_int_equal(v, -3);
	assert_false(canon_get_int64(canon_get(i, "f"), &v));
	assert_false(canon_get_int64(canon_get(i, "big"), &v));
	assert_false(canon_get_int64(canon_get(i, "e"), &v));
	assert_null(canon_get(i, "missing"));
	canon_doc_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keys_sorted_at_every_level),
	    cmocka_unit_test(test_numbers_copied_as_written),
	    cmocka_unit_test(test_literals_and_whitespace),
	    cmocka_unit_test(test_string_escapes_like_go),
	    cmocka_unit_test(test_surrogates),
	    cmocka_unit_test(test_invalid_utf8_becomes_replacement_char),
	    cmocka_unit_test(test_embedded_nul_via_escape_round_trips),
	    cmocka_unit_test(test_duplicate_key_keeps_last_value),
	    cmocka_unit_test(test_rejects_invalid_json),
	    cmocka_unit_test(test_torn_input_is_unexpected_end),
	    cmocka_unit_test(test_depth_is_bounded),
	    cmocka_unit_test(test_encode_object_inserts_at_sorted_position),
	    cmocka_unit_test(test_get_and_int64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
