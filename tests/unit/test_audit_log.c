/* The chained writer and the verifier together: restart, torn tails, rotation, threads, tampering.
 */
#include "compat.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "audit/chain.h"
#include "audit/verify.h"

static unsigned char keybytes[] = "0123456789abcdef0123456789abcdef";
static struct audit_key key = {.bytes = keybytes, .len = 32};
static char dir[64], logpath[128];

static int setup(void **state)
{
	snprintf(dir, sizeof(dir), "/tmp/test_audit_log.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/sub/audit.jsonl", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static struct audit_log *open_log(const struct audit_log_opts *o)
{
	struct audit_log *log;

	assert_int_equal(audit_log_open(&log, logpath, &key, AUDIT_ALG_HMAC_SHA256, o), 0);
	return log;
}

static void append_n(struct audit_log *log, int from, int n)
{
	char ev[128];

	for (int i = from; i < from + n; i++) {
		snprintf(ev, sizeof(ev), "{\"type\":\"ptrace_execve\",\"pid\":%d,\"argv\":[\"x\"]}",
			 i);
		assert_int_equal(audit_log_append(log, ev), 0);
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const char *buf, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	fclose(f);
}

static void verify(struct audit_verify_result *res, bool tolerate_trunc)
{
	struct audit_verify_opts o = {.tolerate_truncation = tolerate_trunc, .from_sequence = -1};

	assert_int_equal(audit_verify(logpath, &key, AUDIT_ALG_HMAC_SHA256, &o, res), 0);
}

static void expect_ok(long entries)
{
	struct audit_verify_result res;

	verify(&res, false);
	if (!res.ok)
		print_error("unexpected break: seq %lld line %ld: %s\n",
			    (long long)res.bad_sequence, res.line, res.reason);
	assert_true(res.ok);
	assert_int_equal(res.entries, entries);
}

static void expect_broken(int64_t seq, const char *why)
{
	struct audit_verify_result res;

	verify(&res, false);
	assert_false(res.ok);
	if (res.bad_sequence != seq || !strstr(res.reason, why))
		print_error("got seq %lld: %s\n", (long long)res.bad_sequence, res.reason);
	assert_int_equal(res.bad_sequence, seq);
	assert_non_null(strstr(res.reason, why));
}

static void test_written_line_is_canonical_with_integrity_in_place(void **state)
{
	struct audit_log *log = open_log(NULL);
	char hash[CHAIN_HASH_MAX], want[512];
	const char *payload = "{\"a\":\"\\u003c\",\"type\":\"t\",\"z\":1.0}";
	size_t len;
	char *text;

	assert_int_equal(audit_log_append(log, " { \"z\" : 1.0, \"type\":\"t\", \"a\":\"<\" } "),
			 0);
	audit_log_close(log);
	assert_int_equal(chain_entry_hash(&key, AUDIT_ALG_HMAC_SHA256, 2, 0, "", 0, payload,
					  strlen(payload), hash),
			 0);
	snprintf(want, sizeof(want),
		 "{\"a\":\"\\u003c\",\"integrity\":{\"format_version\":2,\"sequence\":0,"
		 "\"prev_hash\":\"\",\"entry_hash\":\"%s\"},\"type\":\"t\",\"z\":1.0}\n",
		 hash);
	text = slurp(logpath, &len);
	assert_string_equal(text, want);
	free(text);
	expect_ok(1);
}

static void test_reopen_continues_the_chain(void **state)
{
	struct audit_log *log = open_log(NULL);
	int64_t seq;
	char hash[CHAIN_HASH_MAX];

	append_n(log, 0, 3);
	audit_log_close(log);
	log = open_log(NULL);
	audit_log_state(log, &seq, hash, sizeof(hash));
	assert_int_equal(seq, 2);
	append_n(log, 3, 2);
	audit_log_close(log);
	expect_ok(5);
}

static void test_second_writer_is_refused(void **state)
{
	struct audit_log *log = open_log(NULL), *other;

	assert_int_equal(audit_log_open(&other, logpath, &key, AUDIT_ALG_HMAC_SHA256, NULL),
			 -EBUSY);
	audit_log_close(log);
}

static void test_torn_tail_is_cut_and_recorded(void **state)
{
	struct audit_log *log = open_log(NULL);
	struct audit_verify_result res;
	FILE *f;

	append_n(log, 0, 3);
	audit_log_close(log);
	f = fopen(logpath, "a");
	fputs("{\"type\":\"ptrace_file\",\"path\":\"/etc/pass", f);
	fclose(f);
	verify(&res, false);
	assert_false(res.ok);
	assert_int_equal(res.bad_sequence, 3);
	assert_non_null(strstr(res.reason, "truncated final line"));
	verify(&res, true);
	assert_true(res.ok);
	assert_true(res.truncated_tail);

	log = open_log(NULL);
	append_n(log, 3, 1);
	audit_log_close(log);
	verify(&res, false);
	assert_true(res.ok);
	assert_int_equal(res.entries, 5); /* 3 + the torn-tail record + 1 */
	assert_int_equal(res.torn_recorded, 1);
}

static void test_tail_missing_only_its_newline_is_kept(void **state)
{
	struct audit_log *log = open_log(NULL);
	size_t len;
	char *text;

	append_n(log, 0, 2);
	audit_log_close(log);
	text = slurp(logpath, &len);
	spit(logpath, text, len - 1);
	free(text);
	log = open_log(NULL);
	append_n(log, 2, 1);
	audit_log_close(log);
	expect_ok(3);
}

static void test_size_rotation_starts_new_chain_linked_to_old(void **state)
{
	struct audit_log_opts o = {.max_size_mb = 1, .max_backups = 2};
	struct audit_log *log = open_log(&o);
	struct audit_verify_result res;
	char *ev = malloc(200000), path[160];
	size_t len;
	char *text;

	for (int i = 0; i < 12; i++) {
		int n = snprintf(ev, 200000, "{\"type\":\"big\",\"i\":%d,\"blob\":\"", i);

		memset(ev + n, 'x', 150000);
		memcpy(ev + n + 150000, "\"}", 3);
		assert_int_equal(audit_log_append(log, ev), 0);
	}
	audit_log_close(log);
	free(ev);
	snprintf(path, sizeof(path), "%s.1", logpath);
	text = slurp(path, &len);
	assert_true(len >= 1024 * 1024);
	free(text);
	text = slurp(logpath, &len);
	assert_non_null(strstr(text, "\"type\":\"integrity_chain_rotated\""));
	assert_non_null(strstr(text, "\"sequence\":0,\"prev_hash\":\"\""));
	assert_non_null(strstr(text, "\"prior_log_archived_to\""));
	free(text);
	verify(&res, false);
	assert_true(res.ok);
	assert_int_equal(res.files, 2);
	assert_int_equal(res.rotations, 1);
	assert_int_equal(res.entries, 13);
}

static void test_failed_rotation_keeps_writing(void **state)
{
	struct audit_log_opts o = {.max_size_mb = 1, .max_backups = 1};
	struct audit_log *log = open_log(&o);
	char *ev = malloc(200000), d1[160], d2[170];
	int64_t seq;
	char hash[CHAIN_HASH_MAX];

	/* A non-empty directory where LOG.1 should go makes the rename fail. */
	snprintf(d1, sizeof(d1), "%s.1", logpath);
	snprintf(d2, sizeof(d2), "%s/x", d1);
	assert_int_equal(mkdir(d1, 0700), 0);
	assert_int_equal(mkdir(d2, 0700), 0);
	for (int i = 0; i < 12; i++) {
		int n = snprintf(ev, 200000, "{\"type\":\"big\",\"i\":%d,\"blob\":\"", i);

		memset(ev + n, 'x', 150000);
		memcpy(ev + n + 150000, "\"}", 3);
		assert_int_equal(audit_log_append(log, ev), 0);
	}
	audit_log_state(log, &seq, hash, sizeof(hash));
	assert_int_equal(seq, 11);
	audit_log_close(log);
	free(ev);
	assert_int_equal(rmdir(d2), 0);
	assert_int_equal(rmdir(d1), 0);
	expect_ok(12);
}

struct thread_arg {
	struct audit_log *log;
	int id;
};

static void *writer(void *p)
{
	struct thread_arg *a = p;
	char ev[96];

	for (int i = 0; i < 200; i++) {
		snprintf(ev, sizeof(ev), "{\"type\":\"t\",\"thread\":%d,\"i\":%d}", a->id, i);
		if (audit_log_append(a->log, ev) < 0)
			return (void *)1;
	}
	return NULL;
}

static void test_concurrent_appends_form_one_chain(void **state)
{
	struct audit_log *log = open_log(NULL);
	pthread_t t[4];
	struct thread_arg args[4];
	void *ret;

	for (int i = 0; i < 4; i++) {
		args[i] = (struct thread_arg){log, i};
		assert_int_equal(pthread_create(&t[i], NULL, writer, &args[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &ret), 0);
		assert_null(ret);
	}
	audit_log_close(log);
	expect_ok(800);
}

static void test_bad_input_does_not_advance_chain(void **state)
{
	struct audit_log *log = open_log(NULL);
	int64_t seq;
	char hash[CHAIN_HASH_MAX];

	append_n(log, 0, 1);
	assert_int_equal(audit_log_append(log, "[1,2]"), -EINVAL);
	assert_int_equal(audit_log_append(log, "{\"a\":"), -EINVAL);
	assert_int_equal(audit_log_append(log, "{\"integrity\":{\"sequence\":99},\"b\":1}"), 0);
	audit_log_state(log, &seq, hash, sizeof(hash));
	assert_int_equal(seq, 1);
	audit_log_close(log);
	expect_ok(2);
}

/* Replaces the first occurrence of from with to in the log file. */
static void edit(const char *from, const char *to)
{
	size_t len, fl = strlen(from), tl = strlen(to);
	char *text = slurp(logpath, &len), *hit = strstr(text, from), *out = malloc(len + tl + 1);
	size_t pre;

	assert_non_null(hit);
	pre = (size_t)(hit - text);
	memcpy(out, text, pre);
	memcpy(out + pre, to, tl);
	memcpy(out + pre + tl, hit + fl, len - pre - fl);
	spit(logpath, out, len - fl + tl);
	free(text);
	free(out);
}

/* Line i (0-based) of the log, with its newline. */
static char *line_of(int i)
{
	size_t len;
	char *text = slurp(logpath, &len), *p = text, *end, *out;

	while (i-- > 0)
		p = strchr(p, '\n') + 1;
	end = strchr(p, '\n') + 1;
	out = strndup(p, (size_t)(end - p));
	free(text);
	return out;
}

static void test_tampering_names_first_bad_sequence(void **state)
{
	struct audit_log *log = open_log(NULL);
	char *l2, *l3, *swapped;

	append_n(log, 0, 5);
	audit_log_close(log);
	edit("\"pid\":2,", "\"pid\":7,");
	expect_broken(2, "hash mismatch");
	edit("\"pid\":7,", "\"pid\":2,");
	expect_ok(5);

	l2 = line_of(2);
	l3 = line_of(3);
	assert_int_equal(asprintf(&swapped, "%s%s", l3, l2), (int)(strlen(l2) + strlen(l3)));
	edit(l2, "");
	edit(l3, swapped);
	expect_broken(2, "sequence mismatch: expected 2, got 3");
	edit(swapped, l3);
	expect_broken(2, "sequence mismatch: expected 2, got 3");
	free(l2);
	free(l3);
	free(swapped);
}

static void test_wrong_key_breaks_at_first_entry(void **state)
{
	struct audit_log *log = open_log(NULL);
	struct audit_verify_result res;
	unsigned char other[] = "ffffffffffffffffffffffffffffffff";
	struct audit_key k2 = {.bytes = other, .len = 32};
	struct audit_verify_opts o = {.from_sequence = -1};

	append_n(log, 0, 2);
	audit_log_close(log);
	assert_int_equal(audit_verify(logpath, &k2, AUDIT_ALG_HMAC_SHA256, &o, &res), 0);
	assert_false(res.ok);
	assert_int_equal(res.bad_sequence, 0);
	assert_int_equal(audit_verify(logpath, &key, AUDIT_ALG_HMAC_SHA512, &o, &res), 0);
	assert_false(res.ok);
}

static void test_reset_chain_links_to_prior_chain(void **state)
{
	struct audit_log *log = open_log(NULL);
	int64_t seq;
	char hash[CHAIN_HASH_MAX];

	append_n(log, 0, 3);
	assert_int_equal(audit_log_reset_chain(log, "key rotation drill"), 0);
	audit_log_state(log, &seq, hash, sizeof(hash));
	assert_int_equal(seq, 0);
	append_n(log, 3, 2);
	audit_log_close(log);
	expect_ok(6);
}

static void test_from_sequence(void **state)
{
	struct audit_log *log = open_log(NULL);
	struct audit_verify_result res;
	struct audit_verify_opts o = {.from_sequence = 3};

	append_n(log, 0, 6);
	audit_log_close(log);
	edit("\"pid\":1,", "\"pid\":9,");
	assert_int_equal(audit_verify(logpath, &key, AUDIT_ALG_HMAC_SHA256, &o, &res), 0);
	assert_true(res.ok);
	assert_int_equal(res.entries, 3);
	assert_int_equal(res.first_seq, 3);
	o.from_sequence = 10;
	assert_int_equal(audit_verify(logpath, &key, AUDIT_ALG_HMAC_SHA256, &o, &res), 0);
	assert_false(res.ok);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
	    T(test_written_line_is_canonical_with_integrity_in_place),
	    T(test_reopen_continues_the_chain),
	    T(test_second_writer_is_refused),
	    T(test_torn_tail_is_cut_and_recorded),
	    T(test_tail_missing_only_its_newline_is_kept),
	    T(test_size_rotation_starts_new_chain_linked_to_old),
	    T(test_failed_rotation_keeps_writing),
	    T(test_concurrent_appends_form_one_chain),
	    T(test_bad_input_does_not_advance_chain),
	    T(test_tampering_names_first_bad_sequence),
	    T(test_wrong_key_breaks_at_first_entry),
	    T(test_reset_chain_links_to_prior_chain),
	    T(test_from_sequence),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
