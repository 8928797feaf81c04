/* WebSocket framing: handshake key (RFC 6455 example), round trips, fragmentation, and
 * every strictness rule (masking, reserved bits, opcodes, control frames, UTF-8, size). */
#include "compat.h"
#include "server/ws.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <cmocka.h>

static void test_accept_key_rfc_example(void **state)
{
	char out[29];

	assert_int_equal(ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(ws_accept_key("short", out), -EINVAL);
	assert_int_equal(ws_accept_key("!!!!!!!!!!!!!!!!!!!!!!==", out), -EINVAL);
	assert_int_equal(ws_accept_key(NULL, out), -EINVAL);
}

static void test_new_key_is_valid(void **state)
{
	char key[25], out[29];

	ws_new_key(key);
	assert_int_equal(strlen(key), 24);
	assert_int_equal(ws_accept_key(key, out), 0);
}

/* Feeds a frame built with ws_frame into a reader and returns ws_reader_next's result. */
static int roundtrip(bool client, int opcode, const char *p, size_t n, struct ws_message *m,
		     uint16_t *code)
{
	struct ws_reader r = { .from_client = client };
	size_t len;
	uint8_t *f = ws_frame(opcode, p, n, client, &len);
	int k;

	assert_non_null(f);
	assert_int_equal(ws_reader_feed(&r, f, len), 0);
	k = ws_reader_next(&r, m, code);
	free(f);
	ws_reader_free(&r);
	return k;
}

static void test_roundtrip_sizes(void **state)
{
	static const size_t sizes[] = { 0, 1, 125, 126, 65535, 65536, 200000 };

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		char *p = malloc(sizes[i] + 1);
		struct ws_message m;
		uint16_t code = 0;

		for (size_t k = 0; k < sizes[i]; k++)
			p[k] = (char)('a' + k % 26);
		for (int client = 0; client < 2; client++) {
			assert_int_equal(roundtrip(client, WS_BINARY, p, sizes[i], &m, &code), 1);
			assert_int_equal(m.opcode, WS_BINARY);
			assert_int_equal(m.len, sizes[i]);
			assert_memory_equal(m.payload, p, sizes[i]);
			assert_int_equal(m.payload[m.len], 0);
			free(m.payload);
		}
		free(p);
	}
}

static void test_byte_by_byte_and_fragments(void **state)
{
	struct ws_reader r = { .from_client = true };
	struct ws_message m;
	uint16_t code;
	size_t l1, l2, l3;
	uint8_t *a = ws_frame(WS_TEXT, "hel", 3, true, &l1);
	uint8_t *ping = ws_frame(WS_PING, "p", 1, true, &l2);
	uint8_t *b = ws_frame(WS_CONT, "lo", 2, true, &l3);

	a[0] &= 0x7f; /* not final */
	for (size_t i = 0; i < l1; i++) {
		assert_int_equal(ws_reader_feed(&r, a + i, 1), 0);
		assert_int_equal(ws_reader_next(&r, &m, &code), 0);
	}
	/* a control frame in the middle of a fragmented message is delivered first */
	assert_int_equal(ws_reader_feed(&r, ping, l2), 0);
	assert_int_equal(ws_reader_next(&r, &m, &code), 1);
	assert_int_equal(m.opcode, WS_PING);
	free(m.payload);
	assert_int_equal(ws_reader_feed(&r, b, l3), 0);
	assert_int_equal(ws_reader_next(&r, &m, &code), 1);
	assert_int_equal(m.opcode, WS_TEXT);
	assert_string_equal((char *)m.payload, "hello");
	free(m.payload);
	free(a), free(ping), free(b);
	ws_reader_free(&r);
}

/* Raw bytes that must be refused with the given close code. */
static void expect_error(bool client, const uint8_t *raw, size_t n, uint16_t want)
{
	struct ws_reader r = { .from_client = client, .max_message = 1000 };
	struct ws_message m;
	uint16_t code = 0;

	assert_int_equal(ws_reader_feed(&r, raw, n), 0);
	assert_true(ws_reader_next(&r, &m, &code) < 0);
	assert_int_equal(code, want);
	ws_reader_free(&r);
}

static void test_strictness(void **state)
{
	const uint8_t M[4] = { 0, 0, 0, 0 };
	uint8_t unmasked[] = { 0x82, 0x01, 'x' };
	uint8_t rsv[] = { 0xc2, 0x81, M[0], M[1], M[2], M[3], 'x' };
	uint8_t opcode3[] = { 0x83, 0x80, 0, 0, 0, 0 };
	uint8_t opcode11[] = { 0x8b, 0x80, 0, 0, 0, 0 };
	uint8_t frag_ping[] = { 0x09, 0x80, 0, 0, 0, 0 };
	uint8_t long_ping[4 + 2 + 126] = { 0x89, 0xfe, 0, 126, 0, 0, 0, 0 };
	uint8_t lone_cont[] = { 0x80, 0x80, 0, 0, 0, 0 };
	uint8_t bad_utf8[] = { 0x81, 0x82, 0, 0, 0, 0, 0xc3, 0x28 };
	uint8_t surrogate[] = { 0x81, 0x83, 0, 0, 0, 0, 0xed, 0xa0, 0x80 };
	uint8_t too_big[] = { 0x82, 0xfe, 0x03, 0xe9, 0, 0, 0, 0 }; /* 1001 > 1000 */
	uint8_t nonminimal[] = { 0x82, 0xfe, 0x00, 0x05, 0, 0, 0, 0 };
	uint8_t huge[] = { 0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t bad_close[] = { 0x88, 0x82, 0, 0, 0, 0, 0x03, 0xed }; /* 1005 is reserved */
	uint8_t close_1byte[] = { 0x88, 0x81, 0, 0, 0, 0, 0x03 };
	uint8_t masked_from_server[] = { 0x82, 0x81, 0, 0, 0, 0, 'x' };
	uint8_t interleaved[] = { 0x01, 0x81, 0, 0, 0, 0, 'a', 0x82, 0x81, 0, 0, 0, 0, 'b' };

	expect_error(true, unmasked, sizeof(unmasked), WS_CLOSE_PROTOCOL);
	expect_error(true, rsv, sizeof(rsv), WS_CLOSE_PROTOCOL);
	expect_error(true, opcode3, sizeof(opcode3), WS_CLOSE_PROTOCOL);
	expect_error(true, opcode11, sizeof(opcode11), WS_CLOSE_PROTOCOL);
	expect_error(true, frag_ping, sizeof(frag_ping), WS_CLOSE_PROTOCOL);
	expect_error(true, long_ping, sizeof(long_ping), WS_CLOSE_PROTOCOL);
	expect_error(true, lone_cont, sizeof(lone_cont), WS_CLOSE_PROTOCOL);
	expect_error(true, bad_utf8, sizeof(bad_utf8), WS_CLOSE_INVALID_DATA);
	expect_error(true, surrogate, sizeof(surrogate), WS_CLOSE_INVALID_DATA);
	expect_error(true, too_big, sizeof(too_big), WS_CLOSE_TOO_BIG);
	expect_error(true, nonminimal, sizeof(nonminimal), WS_CLOSE_PROTOCOL);
	expect_error(true, huge, sizeof(huge), WS_CLOSE_PROTOCOL);
	expect_error(true, bad_close, sizeof(bad_close), WS_CLOSE_PROTOCOL);
	expect_error(true, close_1byte, sizeof(close_1byte), WS_CLOSE_PROTOCOL);
	expect_error(false, masked_from_server, sizeof(masked_from_server), WS_CLOSE_PROTOCOL);
	expect_error(true, interleaved, sizeof(interleaved), WS_CLOSE_PROTOCOL);
}

static void test_feed_is_bounded(void **state)
{
	struct ws_reader r = { .from_client = true, .max_message = 10 };
	char junk[70000] = { 0 };

	assert_int_equal(ws_reader_feed(&r, junk, sizeof(junk)), -E2BIG);
	ws_reader_free(&r);
}

static void test_close_roundtrip(void **state)
{
	struct ws_message m;
	uint16_t code;
	const uint8_t payload[] = { 0x03, 0xe8, 'b', 'y', 'e' };

	assert_int_equal(roundtrip(true, WS_CLOSE, (const char *)payload, 5, &m, &code), 1);
	assert_int_equal(m.opcode, WS_CLOSE);
	assert_int_equal(m.len, 5);
	free(m.payload);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_key_rfc_example),
		cmocka_unit_test(test_new_key_is_valid),
		cmocka_unit_test(test_roundtrip_sizes),
		cmocka_unit_test(test_byte_by_byte_and_fragments),
		cmocka_unit_test(test_strictness),
		cmocka_unit_test(test_feed_is_bounded),
		cmocka_unit_test(test_close_roundtrip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
