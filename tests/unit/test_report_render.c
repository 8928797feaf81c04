/* agentsh report: markdown from fixture events (cli/report_*.c are compiled in). */
#include "compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>

#include <cmocka.h>

#include "cli/report_events.c"
#include "cli/report_md.c"
#include "cli/report_tally.c"

#define EV_EXEC(pid, file, argv, dec, rule)                                                        \
	"{\"type\":\"ptrace_execve\",\"session_id\":\"s1\",\"timestamp\":\"2026-01-01T10:00:"      \
	"0" #pid ".000Z\",\"pid\":" #pid ",\"filename\":\"" file "\",\"argv\":" argv               \
	",\"policy\":{\"decision\":\"" dec "\",\"effective_decision\":\"" dec                      \
	"\",\"rule\":\"" rule "\"}}\n"
#define EV_FILE(pid, path, op, dec, eff, rule)                                                     \
	"{\"type\":\"ptrace_file\",\"session_id\":\"s1\",\"timestamp\":\"2026-01-01T10:00:0" #pid  \
	".500Z\",\"pid\":" #pid ",\"path\":\"" path "\",\"operation\":\"" op                       \
	"\",\"policy\":{\"decision\":\"" dec "\",\"effective_decision\":\"" eff                    \
	"\",\"rule\":\"" rule "\"}}\n"

static const char fixture[] = EV_EXEC(1, "/usr/bin/uname", "[\"uname\",\"-a\"]", "allow",
				      "allow-basics")
    EV_EXEC(2, "/usr/bin/cat", "[\"cat\",\"/root/.ssh/id_rsa\"]", "allow",
	    "allow-basics") EV_FILE(2, "/root/.ssh/id_rsa", "open", "deny", "deny", "deny-ssh-keys")
	EV_EXEC(3, "/usr/bin/rm", "[\"rm\",\"notes.txt\"]", "allow", "allow-basics") EV_FILE(
	    3, "/ws/notes.txt", "delete", "soft_delete", "soft_delete",
	    "soft-delete-ws") EV_FILE(3, "/etc/hosts.new", "write", "allow", "allow", "allow-all")
	    EV_FILE(3, "/ws/out.txt", "write", "allow", "allow", "allow-ws")
		EV_FILE(3, "/dev/null", "write", "allow", "allow", "allow-dev") EV_EXEC(
		    4, "/usr/bin/sudo", "[\"sudo\",\"id\"]", "deny",
		    "deny-priv") "{\"type\":\"ptrace_network\",\"session_id\":\"s1\",\"pid\":5,"
				 "\"remote\":\"169.254.169.254:80\","
				 "\"operation\":\"connect\",\"policy\":{\"decision\":\"deny\","
				 "\"effective_decision\":\"deny\","
				 "\"rule\":\"deny-metadata\"}}\n"
				 "{\"type\":\"ptrace_network\",\"session_id\":\"s1\",\"pid\":5,"
				 "\"remote\":\"140.82.1.1:443\","
				 "\"domain\":\"api.github.com\",\"operation\":\"connect\","
				 "\"policy\":{\"decision\":\"approve\","
				 "\"effective_decision\":\"allow\",\"rule\":\"approve-github\"}}\n";

static char *render(const char *text, bool detailed, const char *workspace)
{
	cJSON *events = report_events_parse(text);
	struct report_opts o = {.detailed = detailed, .workspace = workspace};
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(events);
	assert_non_null(f);
	assert_int_equal(report_render(events, &o, f), 0);
	fclose(f);
	cJSON_Delete(events);
	return buf;
}

static void test_report_parses_jsonl_array_and_wrapped(void **state)
{
	cJSON *a = report_events_parse(fixture);
	cJSON *b = report_events_parse("[{\"type\":\"ptrace_file\"},{\"type\":\"ptrace_execve\"}]");
	cJSON *c = report_events_parse("{\"session_id\":\"x\",\"events\":[{\"type\":\"x\"}]}");
	cJSON *d = report_events_parse("{\"type\":\"ptrace_file\"}\nnot json\n\n");

	assert_int_equal(cJSON_GetArraySize(a), 11);
	assert_int_equal(cJSON_GetArraySize(b), 2);
	assert_int_equal(cJSON_GetArraySize(c), 1);
	assert_int_equal(cJSON_GetArraySize(d), 1);
	cJSON_Delete(a);
	cJSON_Delete(b);
	cJSON_Delete(c);
	cJSON_Delete(d);
}

static void test_report_summary_counts_decisions(void **state)
{
	char *md = render(fixture, false, "/ws");

	assert_non_null(strstr(md, "- **Session:** `s1`"));
	assert_non_null(strstr(md, "| allow | 6 |"));
	assert_non_null(strstr(md, "| approve | 1 |"));
	assert_non_null(strstr(md, "| deny | 3 |"));
	assert_non_null(strstr(md, "| soft_delete | 1 |"));
	assert_non_null(strstr(md, "**Blocked operations: 3.**"));
	assert_null(strstr(md, "## Timeline"));
	free(md);
}

static void test_report_findings_name_rule_and_process(void **state)
{
	char *md = render(fixture, false, "/ws");

	assert_non_null(strstr(md, "### Denied operations (3)"));
	assert_non_null(strstr(md, "`open /root/.ssh/id_rsa` by `cat` — rule `deny-ssh-keys`"));
	assert_non_null(strstr(md, "`connect 169.254.169.254:80`"));
	assert_non_null(strstr(md, "rule `deny-priv`"));
	assert_non_null(strstr(md, "### Approvals (1)"));
	assert_non_null(
	    strstr(md, "api.github.com 140.82.1.1:443` — rule `approve-github` — allowed"));
	assert_non_null(strstr(md, "### Soft-deleted files (1)"));
	assert_non_null(strstr(md, "`delete /ws/notes.txt` by `rm`"));
	assert_non_null(strstr(md, "agentsh trash"));
	free(md);
}

static void test_report_writes_outside_workspace_are_anomalies(void **state)
{
	char *md = render(fixture, false, "/ws");
	const char *sec = strstr(md, "#### Writes outside the workspace (1)");

	assert_non_null(sec);
	assert_non_null(strstr(sec, "`write /etc/hosts.new`"));
	/* inside the workspace and /dev/null are not anomalies */
	assert_null(strstr(sec, "/ws/out.txt"));
	assert_null(strstr(sec, "write /dev/null"));
	free(md);
}

static void test_report_unknown_workspace_says_so(void **state)
{
	char *md = render(fixture, false, NULL);

	assert_non_null(strstr(md, "Workspace unknown"));
	assert_non_null(strstr(md, "#### Writes outside the workspace (0)"));
	free(md);
}

static void test_report_activity_by_category(void **state)
{
	char *md = render(fixture, false, "/ws");

	assert_non_null(strstr(md, "| commands | 4 | 3 | 1 |"));
	assert_non_null(strstr(md, "| files | 5 | 4 | 1 |"));
	assert_non_null(strstr(md, "| network | 2 | 1 | 1 |"));
	assert_non_null(strstr(md, "| `api.github.com:443` | 1 | 0 |"));
	free(md);
}

static void test_report_detailed_has_full_timeline(void **state)
{
	char *md = render(fixture, true, "/ws");
	const char *tl = strstr(md, "## Timeline");
	int rows = 0;

	assert_non_null(tl);
	for (const char *p = tl; (p = strstr(p, "\n| ")); p++)
		rows++;
	assert_int_equal(rows, 12); /* header + 11 events */
	assert_non_null(
	    strstr(tl, "| 10:00:02.500Z | 2 | files | `open /root/.ssh/id_rsa` | **deny** |"));
	free(md);
}

static void test_report_empty_session(void **state)
{
	char *md = render("[]", true, NULL);

	assert_non_null(strstr(md, "No events were recorded"));
	assert_non_null(strstr(md, "None: nothing was denied."));
	free(md);
}

static void test_report_markdown_cells_are_escaped(void **state)
{
	char *md = render(
	    "{\"type\":\"ptrace_file\",\"pid\":1,\"path\":\"/a|b`c\",\"operation\":\"write\","
	    "\"policy\":{\"decision\":\"deny\",\"rule\":\"r\"}}",
	    true, "/ws");

	assert_non_null(strstr(md, "`write /a b c`"));
	free(md);
}

static void test_report_sensitive_reads_whole_components(void **state)
{
	char *md = render(EV_FILE(1, "/home/u/.aws/credentials", "open", "allow", "allow", "r")
			      EV_FILE(1, "/ws/.env", "open", "allow", "allow", "r")
				  EV_FILE(1, "/ws/.envrc", "open", "allow", "allow", "r")
				      EV_FILE(1, "/ws/.ssh-notes", "open", "allow", "allow", "r"),
			  false, "/ws");
	const char *sec = strstr(md, "#### Sensitive files read (2)");

	assert_non_null(sec);
	assert_non_null(strstr(sec, "/home/u/.aws/credentials"));
	assert_non_null(strstr(sec, "`open /ws/.env`"));
	assert_null(strstr(md, "`open /ws/.envrc`"));
	free(md);
}

static void test_report_held_approval_is_not_allowed(void **state)
{
	char *md = render(EV_FILE(3, "/ws/x", "delete", "approve", "approve", "ask"), false, "/ws");

	assert_non_null(strstr(md, "### Approvals (1)\n\n- **files** `delete /ws/x` — rule `ask` — "
				   "held for a human\n"));
	assert_non_null(strstr(md, "**Blocked operations: 0.**"));
	free(md);
}

static void test_report_submitted_commands_are_not_decisions(void **state)
{
	char *md = render(
	    "{\"type\":\"command_started\",\"session_id\":\"s2\",\"source\":\"server\","
	    "\"fields\":{\"command\":\"make\",\"args\":[\"-j2\"]}}\n"
	    "{\"type\":\"command_finished\",\"session_id\":\"s2\",\"source\":\"server\","
	    "\"fields\":{\"command\":\"make\",\"args\":[\"-j2\"],\"exit_code\":2}}\n" EV_EXEC(
		1, "/usr/bin/make", "[\"make\",\"-j2\"]", "allow", "ok"),
	    true, "/ws");

	assert_non_null(strstr(md, "- **Commands run:** 1\n"));
	assert_non_null(strstr(md, "- **Commands submitted:** 1 (1 exited non-zero)\n"));
	assert_non_null(strstr(md, "| allow | 1 |\n")); /* only the exec decided anything */
	assert_non_null(strstr(md, "| submitted | 2 | 2 | 0 |"));
	assert_non_null(strstr(md, "| submitted | `run make -j2` | - |"));
	assert_non_null(strstr(md, "| submitted | `exit 2: make -j2` | - |"));
	free(md);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_report_parses_jsonl_array_and_wrapped),
	    cmocka_unit_test(test_report_summary_counts_decisions),
	    cmocka_unit_test(test_report_findings_name_rule_and_process),
	    cmocka_unit_test(test_report_writes_outside_workspace_are_anomalies),
	    cmocka_unit_test(test_report_unknown_workspace_says_so),
	    cmocka_unit_test(test_report_activity_by_category),
	    cmocka_unit_test(test_report_detailed_has_full_timeline),
	    cmocka_unit_test(test_report_empty_session),
	    cmocka_unit_test(test_report_markdown_cells_are_escaped),
	    cmocka_unit_test(test_report_submitted_commands_are_not_decisions),
	    cmocka_unit_test(test_report_held_approval_is_not_allowed),
	    cmocka_unit_test(test_report_sensitive_reads_whole_components),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
