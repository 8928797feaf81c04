/* Loader: every error is FILE:LINE:COL, nothing unknown passes silently. */
#include "test_policy_helpers.h"

#include <sys/stat.h>

static void test_unknown_key_has_position(void **state)
{
	assert_string_equal(load_err("version: 1\nname: x\nfile_rules:\n"
				     "  - name: a\n    decison: deny\n"),
			    "t.yaml:5:5: unknown key \"decison\" in file_rules entry");
	assert_string_equal(load_err("version: 1\nname: x\nbogus: 1\n"),
			    "t.yaml:3:1: unknown key \"bogus\" in policy");
}

static void test_wrong_types(void **state)
{
	assert_string_equal(load_err("version: one\nname: x\n"),
			    "t.yaml:1:10: version: expected an integer, got \"one\"");
	assert_string_equal(load_err("version: 1\nname: [a]\n"),
			    "t.yaml:2:7: name: expected a string, got a list");
	assert_string_equal(load_err("version: 1\nname: x\nfile_rules:\n  - paths: /tmp\n"),
			    "t.yaml:4:12: paths: expected a list, got a scalar");
	assert_string_equal(load_err("version: 1\nname: x\nnetwork_rules:\n"
				     "  - {name: n, ports: ['443'], decision: allow}\n"),
			    "t.yaml:4:23: ports: expected an integer, got \"443\"");
	assert_string_equal(load_err("version: 1\nname: x\nfile_rules: {a: 1}\n"),
			    "t.yaml:3:13: file_rules: expected a list, got a mapping");
	assert_string_equal(load_err("version: 1\nname: x\naudit: {log_allowed: maybe}\n"),
			    "t.yaml:3:22: log_allowed: expected a boolean, got \"maybe\"");
}

static void test_bad_values(void **state)
{
	assert_string_equal(load_err("version: 1\nname: x\nfile_rules:\n"
				     "  - {name: g, paths: ['/a/[b'], decision: deny}\n"),
			    "t.yaml:4:23: file_rules \"g\": bad pattern \"/a/[b\": unterminated "
			    "character class");
	assert_string_equal(load_err("version: 1\nname: x\ncommand_rules:\n"
				     "  - {name: r, args_patterns: ['(a'], decision: deny}\n"),
			    "t.yaml:4:31: command_rules \"r\": bad args_patterns regex \"(a\": "
			    "missing closing parenthesis at offset 2");
	assert_string_equal(load_err("version: 1\nname: x\nnetwork_rules:\n"
				     "  - {name: c, cidrs: [10.0.0.0/33], decision: deny}\n"),
			    "t.yaml:4:23: network_rules \"c\": invalid CIDR \"10.0.0.0/33\"");
	assert_string_equal(load_err("version: 1\nname: x\nfile_rules:\n"
				     "  - {name: t, paths: [/a], decision: approve, timeout: 5}\n"),
			    "t.yaml:4:56: timeout: invalid duration \"5\" (e.g. 30s, 5m, 1h30m)");
	assert_string_equal(
	    load_err("version: 1\nname: x\nfile_rules:\n"
		     "  - {name: v, paths: ['${NOPE_NOT_SET}/x'], decision: deny}\n"),
	    "t.yaml:4:23: file_rules \"v\": \"${NOPE_NOT_SET}/x\": undefined "
	    "variable ${NOPE_NOT_SET}");
	assert_string_equal(load_err("version: 1\nname: x\ncommand_rules:\n"
				     "  - {name: c, context: [sideways], decision: deny}\n"),
			    "t.yaml:4:25: context: unknown context value (want direct or nested)");
	assert_string_equal(load_err("version: 1\nname: x\ncommand_rules:\n"
				     "  - {name: r, decision: redirect}\n"),
			    "t.yaml:4:5: command_rules \"r\": decision redirect needs "
			    "redirect_to.command");
	assert_string_equal(load_err("version: 1\nname: x\nsignal_rules:\n"
				     "  - {name: s, signals: [SIGFOO], target: {type: self}, "
				     "decision: deny}\n"),
			    "t.yaml:4:25: signal_rules \"s\": unknown signal or group \"SIGFOO\"");
}

static void test_required_and_rejected(void **state)
{
	assert_string_equal(load_err("name: x\n"), "t.yaml:1:1: version must be > 0");
	assert_string_equal(load_err("version: 1\n"), "t.yaml:1:1: name is required");
	assert_string_equal(load_err("version: 1\nname: x\nservices: []\n"),
			    "t.yaml:3:11: services: is no longer supported; migrate it to "
			    "http_services");
	assert_string_equal(load_err("version: 1\nname: x\nname: y\n"),
			    "t.yaml:3:1: key \"name\" already defined in this policy");
	assert_string_equal(load_err(""), "t.yaml:1:1: empty policy document");
	assert_string_equal(load_err("version: 1\nname: [x\n"),
			    "t.yaml:3:1: did not find expected ',' or ']' while parsing a flow "
			    "sequence");
}

static void collect(void *ctx, const char *msg)
{
	char *buf = ctx;

	strncat(buf, msg, 4000 - strlen(buf));
	strncat(buf, "\n", 4000 - strlen(buf));
}

static void test_unenforced_sections_warn_once(void **state)
{
	static char buf[4096];
	struct policy *p =
	    load("version: 1\nname: w\n"
		 "mcp_rules: {enforce_policy: true, tools: [{name: x}]}\n"
		 "package_rules: [{match: {ecosystem: npm}, action: block}]\n"
		 "http_services: []\n"
		 "file_rules:\n  - {name: f, paths: [/a], operations: [exec], decision: deny}\n");

	buf[0] = 0;
	policy_for_each_warning(p, collect, buf);
	assert_string_equal(buf,
			    "t.yaml:7:41: file_rules \"f\": operation \"exec\" is never produced, "
			    "so it never matches\n"
			    "t.yaml:3:12: mcp_rules: parsed but not enforced in this build\n"
			    "t.yaml:4:16: package_rules: parsed but not enforced in this build\n"
			    "t.yaml:5:16: http_services: parsed but not enforced in this build\n");
	assert_string_equal(policy_name(p), "w");
	policy_free(p);
}

static void test_all_known_sections_parse(void **state)
{
	struct policy *p = load(
	    "version: 2\nname: all\ndescription: every section\n"
	    "metadata: [{rule_name: a, source: generated}]\n"
	    "resource_limits: {max_memory_mb: 512, memory_swap_max_mb: 0, cpu_quota_percent: 50,\n"
	    "  disk_read_bps_max: 1000, disk_write_bps_max: 1000, net_bandwidth_mbps: 10,\n"
	    "  pids_max: 64, command_timeout: 5m, session_timeout: 1h30m, idle_timeout: 300ms}\n"
	    "env_policy: {allow: [PATH, 'LC_*'], deny: ['*_TOKEN'], max_bytes: 65536, max_keys: "
	    "100}\n"
	    "audit: {log_allowed: yes, log_denied: true, log_approved: false, include_stdout: "
	    "true,\n"
	    "  include_stderr: false, include_file_content: false, retention_days: 30}\n"
	    "env_inject: {BASH_ENV: /etc/agentsh/bashenv}\n"
	    "transparent_commands: {add: [mywrap], remove: [time]}\n"
	    "dns_redirects: [{name: d, match: '^api\\.example\\.com$', resolve_to: 10.0.0.5,\n"
	    "  visibility: audit_only, on_failure: fail_open}]\n"
	    "connect_redirects: [{name: c, match: '^registry\\.npmjs\\.org:443$',\n"
	    "  redirect_to: 'mirror.local:8443', tls: {mode: rewrite_sni, sni: mirror.local},\n"
	    "  visibility: warn, message: via mirror, on_failure: retry_original}]\n"
	    "registry_rules: [{name: r, paths: ['HKLM\\\\X'], operations: [read], decision: deny,\n"
	    "  priority: 1, cache_ttl: 1s, notify: true}]\n"
	    "process_contexts: {}\nprocess_identities: {}\nproviders: {}\ndb_services: []\n"
	    "database_rules: []\ndatabase_connection_rules: []\npolicies: {}\n");
	struct policy_limits l;
	struct policy_audit a;
	struct dns_redirect_match dm;
	struct connect_redirect_match cm;

	policy_get_limits(p, &l);
	assert_int_equal(l.max_memory_mb, 512);
	assert_int_equal(l.session_timeout_ms, 5400000);
	assert_int_equal(l.idle_timeout_ms, 300);
	policy_get_audit(p, &a);
	assert_true(a.log_allowed);
	assert_int_equal(a.retention_days, 30);
	assert_true(policy_match_dns_redirect(p, "API.example.com.", &dm));
	assert_string_equal(dm.resolve_to, "10.0.0.5");
	assert_string_equal(dm.visibility, "audit_only");
	assert_false(policy_match_dns_redirect(p, "example.com", &dm));
	assert_true(policy_match_connect_redirect(p, "registry.npmjs.org", 443, &cm));
	assert_string_equal(cm.redirect_to, "mirror.local:8443");
	assert_string_equal(cm.tls_mode, "rewrite_sni");
	assert_false(policy_match_connect_redirect(p, "registry.npmjs.org", 80, &cm));
	policy_free(p);
}

static void test_alias_bomb_is_bounded(void **state)
{
	const char *bomb = "a: &a [x,x,x,x,x,x,x,x,x,x]\n"
			   "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
			   "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
			   "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
			   "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
			   "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
			   "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n";
	char text[2048];

	snprintf(text, sizeof(text), "version: 1\nname: x\nmcp_rules:\n  %s", "");
	strncat(text, "{", sizeof(text) - strlen(text) - 1);
	for (const char *l = bomb; *l;) {
		const char *nl = strchr(l, '\n');

		strncat(text, l, (size_t)(nl - l));
		strncat(text, ", ", sizeof(text) - strlen(text) - 1);
		l = nl + 1;
	}
	strncat(text, "}\n", sizeof(text) - strlen(text) - 1);
	assert_non_null(strstr(load_err(text), "too many nodes"));
}

static void test_find_by_name(void **state)
{
	char dir[] = "/tmp/policy-find-XXXXXX", path[4096], f[4200];
	FILE *fp;

	assert_non_null(mkdtemp(dir));
	snprintf(f, sizeof(f), "%s/dev.yml", dir);
	fp = fopen(f, "w");
	fputs("version: 1\nname: dev\n", fp);
	fclose(fp);
	assert_int_equal(policy_find(dir, "dev", path, sizeof(path)), 0);
	assert_string_equal(path, f);
	assert_int_equal(policy_find(dir, "nope", path, sizeof(path)), -ENOENT);
	assert_int_equal(policy_find(dir, "../etc/passwd", path, sizeof(path)), -ENOENT);
	assert_int_equal(policy_find(dir, "a/b", path, sizeof(path)), -ENOENT);
	unlink(f);
	rmdir(dir);
}

static void test_var_fallback(void **state)
{
	struct policy *p =
	    load("version: 1\nname: v\nfile_rules:\n"
		 "  - {name: f, paths: ['${NOPE_UNSET:-/fallback}/**', '${PROJECT_ROOT}/**'],\n"
		 "     operations: [write], decision: allow}\n");
	struct verdict v;

	policy_decide_file(p, "/fallback/x", FOP_WRITE, &v);
	assert_string_equal(v.rule, "f");
	policy_decide_file(p, "/work/proj/src/a.c", FOP_WRITE, &v);
	assert_string_equal(v.rule, "f");
	policy_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_unknown_key_has_position),
	    cmocka_unit_test(test_wrong_types),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_required_and_rejected),
	    cmocka_unit_test(test_unenforced_sections_warn_once),
	    cmocka_unit_test(test_all_known_sections_parse),
	    cmocka_unit_test(test_alias_bomb_is_bounded),
	    cmocka_unit_test(test_find_by_name),
	    cmocka_unit_test(test_var_fallback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
