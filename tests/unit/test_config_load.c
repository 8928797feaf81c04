/* Config loader: defaults, typed keys, env expansion, unknown keys with FILE:LINE:COL. */
#include "compat.h"
#include "config/config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

static char tmpdir[64];

static char *write_cfg(const char *name, const char *text)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static int load_text(const char *text, struct config *cfg, char *err)
{
	return config_load(write_cfg("c.yaml", text), cfg, err);
}

static void test_defaults_match_contract(void **state)
{
	struct config cfg;
	char err[CONFIG_ERR_LEN];

	unsetenv("AGENTSH_HTTP_ADDR");
	assert_int_equal(config_load(NULL, &cfg, err), 0);
	assert_string_equal(cfg.server.http.addr, "127.0.0.1:18080");
	assert_int_equal(cfg.server.http.max_request_size, 10 * 1024 * 1024);
	assert_int_equal(cfg.sandbox.ptrace.performance.max_tracees, 500);
	assert_int_equal(cfg.sandbox.ptrace.performance.max_hold_ms, 5000);
	assert_true(cfg.sandbox.ptrace.performance.seccomp_prefilter);
	assert_false(cfg.sandbox.ptrace.performance.static_allow_file);
	assert_true(cfg.sandbox.ptrace.trace.execve && cfg.sandbox.ptrace.trace.signal);
	assert_string_equal(cfg.sandbox.ptrace.trace.verify_open, "auto");
	assert_string_equal(cfg.sandbox.fuse.audit.trash_path, ".agentsh_trash");
	assert_int_equal(cfg.sandbox.network.dns_port, 9053);
	assert_int_equal(cfg.sandbox.network.proxy_port, 9080);
	assert_int_equal(cfg.sandbox.seccomp.blocked_socket_families.n, 12);
	assert_string_equal(cfg.sandbox.seccomp.blocked_socket_families.v[0].family, "AF_ALG");
	assert_string_equal(cfg.auth.api_key.header_name, "X-API-Key");
	assert_string_equal(cfg.auth.type, "none");
	assert_int_equal(cfg.sessions.max_sessions, 100);
	assert_int_equal(cfg.sessions.cleanup_interval_ms, 60000);
	assert_int_equal(cfg.audit.rotation.max_size_mb, 500);
	assert_string_equal(cfg.policies.default_name, "default");
	assert_true(cfg.policies.detect_project_root);
	assert_true(cfg.landlock.network.allow_connect_tcp);
	assert_int_equal(cfg.sandbox.fuse.audit.ttl_ms, 7LL * 86400000);
	config_free(&cfg);
}

static void test_typed_keys_and_env_expansion(void **state)
{
	struct config cfg;
	char err[CONFIG_ERR_LEN];

	setenv("CFGTEST_PORT", "19999", 1);
	unsetenv("CFGTEST_UNSET");
	assert_int_equal(load_text("server:\n  http:\n    addr: \"127.0.0.1:${CFGTEST_PORT}\"\n"
				   "    max_request_size: 1MB\n"
				   "auth:\n  type: api_key\n  api_key:\n    keys: [k1, k2]\n"
				   "audit:\n  integrity:\n    enabled: true\n"
				   "    algorithm: hmac-sha512\n    key_env: ${CFGTEST_UNSET:-KEYVAR}\n"
				   "sandbox:\n  ptrace:\n    enabled: true\n    performance:\n"
				   "      max_hold_ms: 250\n  network:\n"
				   "    dns_upstreams: [\"1.1.1.1:53\"]\n"
				   "  seccomp:\n    blocked_socket_families:\n"
				   "      - {family: AF_ALG, action: kill}\n      - AF_VSOCK\n"
				   "dlp:\n  anything:\n    goes: [1, 2]\n"
				   "approvals:\n  timeout: 90s\n",
				   &cfg, err),
			 0);
	assert_string_equal(cfg.server.http.addr, "127.0.0.1:19999");
	assert_int_equal(cfg.server.http.max_request_size, 1048576);
	assert_int_equal(cfg.auth.api_key.keys.n, 2);
	assert_string_equal(cfg.auth.api_key.keys.v[1], "k2");
	assert_true(cfg.audit.integrity.enabled);
	assert_string_equal(cfg.audit.integrity.key_env, "KEYVAR");
	assert_true(cfg.sandbox.ptrace.enabled);
	assert_int_equal(cfg.sandbox.ptrace.performance.max_hold_ms, 250);
	assert_int_equal(cfg.sandbox.ptrace.performance.max_tracees, 500);
	assert_string_equal(cfg.sandbox.network.dns_upstreams.v[0], "1.1.1.1:53");
	assert_int_equal(cfg.sandbox.seccomp.blocked_socket_families.n, 2);
	assert_string_equal(cfg.sandbox.seccomp.blocked_socket_families.v[0].action, "kill");
	assert_string_equal(cfg.sandbox.seccomp.blocked_socket_families.v[1].action, "errno");
	assert_non_null(cJSON_GetObjectItem(cfg.dlp, "anything"));
	assert_int_equal(cfg.approvals.timeout_ms, 90000);
	config_free(&cfg);
}

static void test_unknown_key_names_file_line_col(void **state)
{
	struct config cfg;
	char err[CONFIG_ERR_LEN];
	char want[256];

	assert_int_equal(load_text("server:\n  http:\n    adr: x\n", &cfg, err), -EINVAL);
	snprintf(want, sizeof(want), "%s/c.yaml:3:5: unknown key \"server.http.adr\"", tmpdir);
	assert_string_equal(err, want);
	assert_string_equal(cfg.server.http.addr, "127.0.0.1:18080");
	config_free(&cfg);
	assert_int_equal(load_text("bogus: 1\n", &cfg, err), -EINVAL);
	assert_non_null(strstr(err, ":1:1: unknown key \"bogus\""));
	config_free(&cfg);
}

static void test_bad_values_are_refused(void **state)
{
	static const char *const bad[] = {
		"sandbox:\n  ptrace:\n    attach_mode: sideways\n",
		"sandbox:\n  ptrace:\n    performance:\n      max_hold_ms: 0\n",
		"sandbox:\n  ptrace:\n    attach_mode: pid\n",
		"sandbox:\n  ptrace:\n    mask_tracer_pid: on_stat\n",
		"sessions:\n  max_sessions: many\n",
		"approvals:\n  timeout: soon\n",
		"server: [1, 2]\n",
		"auth:\n  type: none\n  type: api_key\n",
		"server:\n  http: {addr: [x\n",
	};
	struct config cfg;
	char err[CONFIG_ERR_LEN];

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		assert_int_equal(load_text(bad[i], &cfg, err), -EINVAL);
		assert_true(strlen(err) > 0);
		config_free(&cfg);
	}
}

static void test_wildcard_sections_accept_other_keys(void **state)
{
	struct config cfg;
	char err[CONFIG_ERR_LEN];

	assert_int_equal(load_text("sandbox:\n  unix_sockets:\n    enabled: false\n"
				   "    wrapper_path: /x\n  limits:\n    max_memory_mb: 10\n"
				   "    disk_quota: 1\n",
				   &cfg, err),
			 0);
	assert_false(cfg.sandbox.unix_sockets.enabled);
	assert_int_equal(cfg.sandbox.limits.max_memory_mb, 10);
	config_free(&cfg);
}

static void test_discovery_and_policy_dir(void **state)
{
	struct config cfg;
	char err[CONFIG_ERR_LEN];
	char *path = NULL;
	char want[160];

	write_cfg("d.yaml", "policies:\n  default: strict\n");
	snprintf(want, sizeof(want), "%s/d.yaml", tmpdir);
	setenv("AGENTSH_CONFIG", want, 1);
	setenv("AGENTSH_HTTP_ADDR", "127.0.0.1:1", 1);
	assert_int_equal(config_load_discovered(NULL, &cfg, err), 0);
	assert_string_equal(cfg.policies.default_name, "strict");
	assert_string_equal(cfg.server.http.addr, "127.0.0.1:1");
	snprintf(want, sizeof(want), "%s/policies", tmpdir);
	assert_string_equal(cfg.policies.dir, want);
	config_free(&cfg);
	assert_int_equal(config_discover("/nonexistent/agentsh.yaml", &path), -ENOENT);
	unsetenv("AGENTSH_CONFIG");
	unsetenv("AGENTSH_HTTP_ADDR");
	setenv("HOME", tmpdir, 1);
	assert_int_equal(config_discover(NULL, &path), 0);
	if (path)
		assert_string_equal(path, "/etc/agentsh/config.yaml");
	free(path);
}

static void test_durations_and_sizes(void **state)
{
	long long v;

	assert_int_equal(config_parse_duration_ms("1h30m", &v), 0);
	assert_int_equal(v, 5400000);
	assert_int_equal(config_parse_duration_ms("250ms", &v), 0);
	assert_int_equal(v, 250);
	assert_int_equal(config_parse_duration_ms("10", &v), -EINVAL);
	assert_int_equal(config_parse_duration_ms("-1s", &v), -EINVAL);
	assert_int_equal(config_parse_size("5GB", &v), 0);
	assert_int_equal(v, 5LL << 30);
	assert_int_equal(config_parse_size("12", &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(config_parse_size("3 parsecs", &v), -EINVAL);
}

static void test_env_expansion_forms(void **state)
{
	char *s;

	setenv("CFGTEST_A", "alpha", 1);
	s = config_expand_env("$CFGTEST_A ${CFGTEST_A} ${CFGTEST_NOPE:-dflt} $$ $1 ${CFGTEST_NOPE}.");
	assert_string_equal(s, "alpha alpha dflt $ $1 .");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_match_contract),
		cmocka_unit_test(test_typed_keys_and_env_expansion),
		cmocka_unit_test(test_unknown_key_names_file_line_col),
		cmocka_unit_test(test_bad_values_are_refused),
		cmocka_unit_test(test_wildcard_sections_accept_other_keys),
		cmocka_unit_test(test_discovery_and_policy_dir),
		cmocka_unit_test(test_durations_and_sizes),
		cmocka_unit_test(test_env_expansion_forms),
	};
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/agentsh-cfgtest-XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
