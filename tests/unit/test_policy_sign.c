/* Ed25519 policy signing, trust store checks, manifests. */
#include "test_policy_helpers.h"

#include <sys/stat.h>
#include <time.h>

static char base[64];

static void path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", base, name);
}

static void write_text(const char *name, const char *text, mode_t mode)
{
	char p[256];
	FILE *f;

	path(p, sizeof(p), name);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	chmod(p, mode);
}

static int setup(void **state)
{
	char p[256];

	snprintf(base, sizeof(base), "/tmp/policy-sign-XXXXXX");
	if (!mkdtemp(base))
		return -1;
	path(p, sizeof(p), "keys");
	mkdir(p, 0700);
	path(p, sizeof(p), "trust");
	mkdir(p, 0755);
	write_text("p.yaml", "version: 1\nname: signed\n", 0644);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	return system(cmd) == 0 ? 0 : -1;
}

static void copy_pub(const char *to)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "cp %s/keys/public.key.json %s/%s", base, base, to);
	assert_int_equal(system(cmd), 0);
}

static void test_keygen_sign_verify(void **state)
{
	char keys[256], priv[256], pol[256], trust[256], kid[65], kid2[65], err[512];
	struct stat st;

	path(keys, sizeof(keys), "keys");
	path(priv, sizeof(priv), "keys/private.key.json");
	path(pol, sizeof(pol), "p.yaml");
	path(trust, sizeof(trust), "trust");
	assert_int_equal(policy_keygen(keys, "ci", NULL, kid, err, sizeof(err)), 0);
	assert_int_equal(strlen(kid), 64);
	assert_int_equal(stat(priv, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(policy_sign_file(pol, priv, NULL, "alice", err, sizeof(err)), 0);
	/* not trusted yet */
	assert_int_equal(policy_verify_signature(pol, trust, err, sizeof(err)), -ENOKEY);
	copy_pub("trust/ci.json");
	assert_int_equal(policy_verify_signature_ex(pol, trust, true, kid2, err, sizeof(err)), 0);
	assert_string_equal(kid, kid2);
	assert_int_equal(policy_signing_check(pol, trust, "enforce", err, sizeof(err)), 0);
	/* tampering breaks it */
	write_text("p.yaml", "version: 1\nname: evil\n", 0644);
	assert_int_equal(policy_verify_signature(pol, trust, err, sizeof(err)), -EBADMSG);
	assert_true(policy_signing_check(pol, trust, "enforce", err, sizeof(err)) < 0);
	assert_int_equal(policy_signing_check(pol, trust, "warn", err, sizeof(err)), 1);
	assert_int_equal(policy_signing_check(pol, trust, "off", err, sizeof(err)), 0);
}

static void test_world_writable_trust_store(void **state)
{
	char priv[256], pol[256], trust[256], err[512], kid[65], keys[256];

	path(keys, sizeof(keys), "keys");
	path(priv, sizeof(priv), "keys/private.key.json");
	path(pol, sizeof(pol), "p.yaml");
	path(trust, sizeof(trust), "trust");
	write_text("p.yaml", "version: 1\nname: signed\n", 0644);
	assert_int_equal(policy_keygen(keys, "ww", NULL, kid, err, sizeof(err)), 0);
	assert_int_equal(policy_sign_file(pol, priv, NULL, NULL, err, sizeof(err)), 0);
	copy_pub("trust/ww.json");
	chmod(trust, 0777);
	assert_int_equal(policy_verify_signature(pol, trust, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "world-writable"));
	assert_true(policy_signing_check(pol, trust, "enforce", err, sizeof(err)) < 0);
	assert_int_equal(policy_signing_check(pol, trust, "warn", err, sizeof(err)), 1);
	chmod(trust, 0755);
	path(trust, sizeof(trust), "trust/ww.json");
	chmod(trust, 0666);
	path(trust, sizeof(trust), "trust");
	assert_int_equal(policy_verify_signature(pol, trust, err, sizeof(err)), -EPERM);
	path(trust, sizeof(trust), "trust/ww.json");
	chmod(trust, 0644);
}

static void test_expired_key_refused(void **state)
{
	char keys[256], priv[256], pol[256], trust[256], kid[65], err[512];

	path(keys, sizeof(keys), "keys");
	path(priv, sizeof(priv), "keys/private.key.json");
	path(pol, sizeof(pol), "p.yaml");
	path(trust, sizeof(trust), "trust");
	assert_int_equal(policy_keygen(keys, "old", "2001-01-01T00:00:00Z", kid, err, sizeof(err)),
			 0);
	assert_int_equal(policy_sign_file(pol, priv, NULL, NULL, err, sizeof(err)), 0);
	copy_pub("trust/old.json");
	assert_int_equal(policy_verify_signature(pol, trust, err, sizeof(err)), -EKEYEXPIRED);
	assert_non_null(strstr(err, "expired_key"));
	assert_int_equal(policy_keygen(keys, "x", "yesterday", kid, err, sizeof(err)), -EINVAL);
}

static void test_missing_signature(void **state)
{
	char pol[256], trust[256], err[512];

	write_text("unsigned.yaml", "version: 1\nname: u\n", 0644);
	path(pol, sizeof(pol), "unsigned.yaml");
	path(trust, sizeof(trust), "trust");
	assert_int_equal(policy_verify_signature(pol, trust, err, sizeof(err)), -ENOENT);
}

static void test_manifest(void **state)
{
	char man[256], pol[256], err[512];

	write_text("m.yaml", "version: 1\nname: m\n", 0644);
	/* sha256 of "version: 1\nname: m\n" */
	{
		char cmd[512];

		snprintf(cmd, sizeof(cmd),
			 "cd %s && sha256sum m.yaml > MANIFEST && "
			 "echo 'deadbeef  other.yaml' >> MANIFEST",
			 base);
		assert_int_equal(system(cmd), 0);
	}
	path(man, sizeof(man), "MANIFEST");
	path(pol, sizeof(pol), "m.yaml");
	assert_int_equal(policy_verify_manifest(man, pol, err, sizeof(err)), 0);
	write_text("m.yaml", "version: 1\nname: changed\n", 0644);
	assert_int_equal(policy_verify_manifest(man, pol, err, sizeof(err)), -EBADMSG);
	assert_string_equal(err, "policy hash mismatch: m.yaml");
	path(pol, sizeof(pol), "p.yaml");
	assert_int_equal(policy_verify_manifest(man, pol, err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "policy not listed in manifest: p.yaml");
}

static void count_warning(void *ctx, const char *msg)
{
	(*(int *)ctx)++;
}

static void test_load_verified(void **state)
{
	char keys[256], priv[256], pol[256], trust[256], man[256], kid[65], err[512], cmd[600];
	struct policy_checks c = {.signing_mode = "enforce", .warn = count_warning};
	struct policy_error perr;
	struct policy *p;
	int warnings = 0;

	c.ctx = &warnings;
	path(keys, sizeof(keys), "keys");
	path(priv, sizeof(priv), "keys/private.key.json");
	path(pol, sizeof(pol), "v.yaml");
	path(trust, sizeof(trust), "trust2");
	path(man, sizeof(man), "MANIFEST2");
	mkdir(trust, 0755);
	write_text("v.yaml", "version: 1\nname: verified\n", 0644);
	assert_int_equal(policy_keygen(keys, "v", NULL, kid, err, sizeof(err)), 0);
	c.trust_store = trust;
	assert_true(policy_load_verified(pol, &c, NULL, NULL, &p, &perr) < 0);
	assert_non_null(strstr(perr.message, "refused"));
	assert_int_equal(policy_sign_file(pol, priv, NULL, NULL, err, sizeof(err)), 0);
	copy_pub("trust2/v.json");
	assert_int_equal(policy_load_verified(pol, &c, NULL, NULL, &p, &perr), 0);
	assert_string_equal(policy_name(p), "verified");
	policy_free(p);
	snprintf(cmd, sizeof(cmd), "cd %s && sha256sum p.yaml > MANIFEST2", base);
	assert_int_equal(system(cmd), 0);
	c.manifest_path = man;
	assert_int_equal(policy_load_verified(pol, &c, NULL, NULL, &p, &perr), -ENOENT);
	c.manifest_path = NULL;
	write_text("v.yaml", "version: 1\nname: changed\n", 0644);
	c.signing_mode = "warn";
	assert_int_equal(policy_load_verified(pol, &c, NULL, NULL, &p, &perr), 0);
	assert_int_equal(warnings, 1);
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keygen_sign_verify),
	    cmocka_unit_test(test_world_writable_trust_store),
	    cmocka_unit_test(test_expired_key_refused),
	    cmocka_unit_test(test_missing_signature),
	    cmocka_unit_test(test_manifest),
	    cmocka_unit_test(test_load_verified),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
