/* agentsh policy generate: YAML from fixture events (cli/policy_generate_*.c compiled in). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli/report_events.c"
#include "cli/report_md.c"
#include "cli/report_tally.c"
#include "cli/policy_generate_build.c"
#include "cli/policy_generate_emit.c"
#include "cli/policy_generate_net.c"
#include "cli/policy_generate_paths.c"
#include "cli/policy_generate_yaml.c"

#define EXEC(pid, file, argv, dec)                                                                 \
	"{\"type\":\"ptrace_execve\",\"session_id\":\"s1\",\"pid\":" #pid ",\"filename\":\"" file  \
	"\",\"argv\":" argv ",\"policy\":{\"decision\":\"" dec "\",\"effective_decision\":\"" dec  \
	"\"}}\n"
#define FILEOP(pid, path, op, dec)                                                                 \
	"{\"type\":\"ptrace_file\",\"pid\":" #pid ",\"path\":\"" path "\",\"operation\":\"" op     \
	"\",\"policy\":{\"decision\":\"" dec "\",\"effective_decision\":\"" dec "\"}}\n"
#define NET(pid, remote, domain, dec)                                                              \
	"{\"type\":\"ptrace_network\",\"pid\":" #pid ",\"remote\":\"" remote                       \
	"\",\"domain\":\"" domain "\",\"operation\":\"connect\",\"policy\":{\"decision\":\"" dec   \
	"\"}}\n"

static char *gen(const char *text, const struct pgen_opts *o, int *rc)
{
	cJSON *events = report_events_parse(text);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(events);
	*rc = pgen_build(events, o, f);
	fclose(f);
	cJSON_Delete(events);
	return buf;
}

static char *gen_ok(const char *text, const struct pgen_opts *o)
{
	int rc;
	char *y = gen(text, o, &rc);

	assert_int_equal(rc, 0);
	return y;
}

static void test_report_policygen_header_and_name(void **state)
{
	struct pgen_opts o = {.threshold = 5};
	char *y = gen_ok(EXEC(1, "/usr/bin/ls", "[\"ls\"]", "allow"), &o);

	assert_non_null(strstr(y, "version: 1\nname: 'generated-s1'\n"));
	free(y);
	o.name = "my 'policy'";
	y = gen_ok(EXEC(1, "/usr/bin/ls", "[\"ls\"]", "allow"), &o);
	assert_non_null(strstr(y, "name: 'my ''policy'''\n"));
	free(y);
}

static void test_report_policygen_no_events_is_einval(void **state)
{
	struct pgen_opts o = {.threshold = 5};
	int rc;
	char *y = gen("[]", &o, &rc);

	assert_int_equal(rc, -EINVAL);
	free(y);
}

static void test_report_policygen_commands_with_aliases(void **state)
{
	struct pgen_opts o = {.threshold = 5};
	char *y = gen_ok("{\"type\":\"ptrace_execve\",\"pid\":1,\"filename\":\"/usr/bin/dash\","
			 "\"raw_filename\":\"/bin/sh\",\"argv\":[\"sh\",\"-c\",\"ls\"]}\n" EXEC(
			     2, "/usr/bin/ls", "[\"ls\",\"-l\"]", "allow")
			     EXEC(3, "/usr/bin/sudo", "[\"sudo\",\"id\"]", "deny"),
			 &o);
	const char *r = strstr(y, "  - name: allow-observed-commands\n");

	assert_non_null(r);
	assert_non_null(strstr(r, "      - 'dash'\n      - 'sh'\n"));
	assert_non_null(strstr(r, "      - 'ls'\n"));
	/* blocked commands are not allowed, and without --include-blocked not even mentioned */
	assert_null(strstr(y, "sudo"));
	free(y);
}

static void test_report_policygen_risky_commands_get_arg_patterns(void **state)
{
	struct pgen_opts o = {.threshold = 5, .arg_patterns = true};
	const char *ev =
	    EXEC(1, "/usr/bin/curl", "[\"curl\",\"-s\",\"https://x.io/a?b=1\"]", "allow")
		EXEC(2, "/usr/bin/curl", "[\"curl\",\"https://y.io\"]", "allow")
		    EXEC(3, "/usr/bin/rm", "[\"rm\",\"-rf\",\"build\"]", "allow");
	char *y = gen_ok(ev, &o);

	assert_non_null(
	    strstr(y, "  - name: risky-curl\n    description: 'curl (network): 2 runs'\n"));
	assert_non_null(strstr(y, "      - '^-s https://x\\.io/a\\?b=1$'\n"));
	assert_non_null(strstr(y, "      - '^https://y\\.io$'\n"));
	assert_non_null(strstr(y, "  - name: risky-rm\n"));
	assert_non_null(strstr(y, "      - '^-rf build$'\n"));
	assert_null(strstr(y, "allow-observed-commands"));
	free(y);
	o.arg_patterns = false;
	y = gen_ok(ev, &o);
	assert_null(strstr(y, "    args_patterns:"));
	assert_non_null(strstr(y, "--arg-patterns"));
	free(y);
}

static void test_report_policygen_network_behaviour_makes_risky(void **state)
{
	struct pgen_opts o = {.threshold = 5, .arg_patterns = true};
	char *y = gen_ok(EXEC(7, "/usr/bin/python3", "[\"python3\",\"fetch.py\"]", "allow")
			     NET(7, "10.0.0.1:443", "pypi.org", "allow"),
			 &o);

	assert_non_null(
	    strstr(y, "risky-python3\n    description: 'python3 (network-observed): 1 run'"));
	assert_non_null(strstr(y, "'^fetch\\.py$'"));
	free(y);
}

static void test_report_policygen_paths_grouped_past_threshold(void **state)
{
	struct pgen_opts o = {.threshold = 3, .home = "/home/u"};
	char *y = gen_ok(FILEOP(1, "/ws/src/a.c", "write", "allow")
			     FILEOP(1, "/ws/src/b.c", "write", "allow")
				 FILEOP(1, "/ws/src/c.c", "write", "allow")
				     FILEOP(1, "/ws/one.txt", "write", "allow")
					 FILEOP(1, "/ws/pkg/a/i.js", "create", "allow")
					     FILEOP(1, "/ws/pkg/b/i.js", "create", "allow")
						 FILEOP(1, "/ws/pkg/c/i.js", "create", "allow"),
			 &o);

	assert_non_null(strstr(y, "      - '/ws/src/**'\n"));
	assert_non_null(strstr(y, "      - '/ws/one.txt'\n"));
	assert_non_null(strstr(y, "      - '/ws/pkg/**'\n"));
	assert_null(strstr(y, "a.c'"));
	assert_non_null(strstr(y, "operations: [open, write]"));
	assert_non_null(strstr(y, "operations: [open, create]"));
	free(y);
}

static void test_report_policygen_never_collapses_over_blocked_or_home(void **state)
{
	struct pgen_opts o = {.threshold = 2, .home = "/home/u"};
	char *y = gen_ok(
	    FILEOP(1, "/home/u/a", "write", "allow") FILEOP(1, "/home/u/b", "write", "allow")
		FILEOP(1, "/ws/d/x", "write", "allow") FILEOP(1, "/ws/d/y", "write", "allow")
		    FILEOP(1, "/ws/d/secret", "open", "deny") FILEOP(1, "/usr/a", "write", "allow")
			FILEOP(1, "/usr/b", "write", "allow"),
	    &o);

	assert_null(strstr(y, "/home/u/**"));
	assert_non_null(strstr(y, "'/home/u/a'"));
	assert_null(strstr(y, "'/ws/d/**'"));
	assert_non_null(strstr(y, "'/ws/d/x'"));
	assert_null(strstr(y, "'/usr/**'")); /* top-level directories stay literal */
	/* a denied read stays denied although reads are allowed by default */
	assert_non_null(strstr(y, "  - name: deny-blocked-reads\n"));
	assert_non_null(strstr(y, "      - '/ws/d/secret'\n    decision: deny\n"));
	free(y);
}

static void test_report_policygen_glob_chars_escaped_and_proc_pids(void **state)
{
	struct pgen_opts o = {.threshold = 5};
	char *y = gen_ok(FILEOP(1, "/ws/a*b[1].txt", "write", "allow")
			     FILEOP(1, "/proc/4242/status", "open", "allow"),
			 &o);

	assert_non_null(strstr(y, "'/ws/a\\*b\\[1\\].txt'"));
	assert_non_null(strstr(y, "'/proc/*/status'"));
	free(y);
}

static void test_report_policygen_soft_delete_kept(void **state)
{
	struct pgen_opts o = {.threshold = 5};
	char *y = gen_ok(FILEOP(1, "/ws/old.txt", "delete", "soft_delete"), &o);

	assert_non_null(strstr(
	    y, "      - '/ws/old.txt'\n    operations: [delete]\n    decision: soft_delete\n"));
	free(y);
}

static void test_report_policygen_subdomains_collapsed(void **state)
{
	struct pgen_opts o = {.threshold = 5};
	char *y = gen_ok(NET(1, "1.1.1.1:443", "api.github.com", "allow")
			     NET(1, "1.1.1.2:443", "codeload.github.com", "allow")
				 NET(1, "1.1.1.3:80", "example.org", "allow")
				     NET(1, "127.0.0.1:8080", "", "allow")
					 NET(1, "[::1]:9000", "", "allow"),
			 &o);

	assert_non_null(strstr(y, "    domains: ['*.github.com']\n    ports: [443]\n"));
	assert_non_null(strstr(y, "    domains: ['example.org']\n    ports: [80]\n"));
	assert_non_null(strstr(y, "    cidrs: ['127.0.0.1/32']\n    ports: [8080]\n"));
	assert_non_null(strstr(y, "    cidrs: ['::1/128']\n    ports: [9000]\n"));
	assert_null(strstr(y, "api.github.com"));
	free(y);
}

static void test_report_policygen_include_blocked_comments_rules(void **state)
{
	struct pgen_opts o = {.threshold = 5, .include_blocked = true};
	char *y = gen_ok(EXEC(1, "/usr/bin/sudo", "[\"sudo\",\"id\"]", "deny")
			     NET(1, "169.254.169.254:80", "", "deny")
				 FILEOP(1, "/etc/shadow", "open", "deny"),
			 &o);

	assert_non_null(strstr(y, "\ncommand_rules: []\n  # Blocked in the session"));
	assert_non_null(strstr(y, "  # - name: blocked-sudo\n  #   commands: ['sudo']"));
	assert_non_null(strstr(
	    y, "  # - name: blocked-net-169-254-169-254\n  #   cidrs: ['169.254.169.254/32']"));
	assert_non_null(strstr(y, "  # - name: blocked-file-1\n  #   paths: ['/etc/shadow']"));
	/* no active allow for any of them */
	assert_null(strstr(y, "\n  - name: blocked"));
	free(y);
}

static void test_report_policygen_unix_and_signals(void **state)
{
	struct pgen_opts o = {.threshold = 5};
	char *y = gen_ok("{\"type\":\"ptrace_unix\",\"pid\":1,\"path\":\"dbus\",\"abstract\":true,"
			 "\"operation\":\"connect\"}\n"
			 "{\"type\":\"ptrace_signal\",\"pid\":1,\"fields\":{\"signal\":\"SIGTERM\","
			 "\"target_relation\":\"children\"}}\n",
			 &o);

	assert_non_null(
	    strstr(y, "unix_socket_rules:\n  - name: allow-unix-dbus\n    paths: ['@dbus']\n"
		      "    operations: [connect]\n"));
	assert_non_null(strstr(y, "    signals: ['SIGTERM']\n    target:\n      type: children\n"));
	free(y);
}

static void test_report_policygen_server_lifecycle_events_ignored(void **state)
{
	struct pgen_opts o = {.threshold = 5, .arg_patterns = true};
	char *y =
	    gen_ok("{\"type\":\"command_started\",\"fields\":{\"command\":\"curl\","
		   "\"args\":[\"x\"]}}\n" EXEC(1, "/usr/bin/curl", "[\"curl\",\"-I\"]", "allow"),
		   &o);

	assert_non_null(strstr(y, "    args_patterns:\n      - '^-I$'\n    decision: allow\n"));
	assert_non_null(strstr(y, "'curl (network): 1 run'"));
	free(y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_report_policygen_header_and_name),
	    cmocka_unit_test(test_report_policygen_no_events_is_einval),
	    cmocka_unit_test(test_report_policygen_commands_with_aliases),
	    cmocka_unit_test(test_report_policygen_risky_commands_get_arg_patterns),
	    cmocka_unit_test(test_report_policygen_network_behaviour_makes_risky),
	    cmocka_unit_test(test_report_policygen_paths_grouped_past_threshold),
	    cmocka_unit_test(test_report_policygen_never_collapses_over_blocked_or_home),
	    cmocka_unit_test(test_report_policygen_glob_chars_escaped_and_proc_pids),
	    cmocka_unit_test(test_report_policygen_soft_delete_kept),
	    cmocka_unit_test(test_report_policygen_subdomains_collapsed),
	    cmocka_unit_test(test_report_policygen_include_blocked_comments_rules),
	    cmocka_unit_test(test_report_policygen_unix_and_signals),
	    cmocka_unit_test(test_report_policygen_server_lifecycle_events_ignored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
