/*
 * Reading audit events (compat.md §5, docs/internals.md "Event lines") for
 * `agentsh report` and `agentsh policy generate`. Pure helpers over cJSON:
 * no I/O except report_events_load_file().
 */
#ifndef AGENTSH_CLI_REPORT_EVENTS_H
#define AGENTSH_CLI_REPORT_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

enum report_cat {
	REPORT_CAT_EXEC,
	REPORT_CAT_FILE,
	REPORT_CAT_NET,
	REPORT_CAT_UNIX,
	REPORT_CAT_SIGNAL,
	REPORT_CAT_PROCESS,
	REPORT_CAT_APPROVAL,
	REPORT_CAT_SUBMIT, /* the server's command_started / command_finished */
	REPORT_CAT_OTHER,
	REPORT_CAT_COUNT,
};

/* "commands", "files", ... */
const char *report_cat_name(enum report_cat c);
enum report_cat report_ev_category(const cJSON *ev);

/* A string member of the event, else of its "fields" object; NULL if absent. */
const char *report_ev_str(const cJSON *ev, const char *key);
/* A number member (top level, then fields); `def` if absent. Numeric strings count. */
long report_ev_num(const cJSON *ev, const char *key, long def);
/* policy.decision (or fields.decision); "allow" when the event carries none. */
const char *report_ev_decision(const cJSON *ev);
/* policy.effective_decision, falling back to the decision. */
const char *report_ev_effective(const cJSON *ev);
/* policy.rule (or fields.rule); "" when none. */
const char *report_ev_rule(const cJSON *ev);
const char *report_ev_message(const cJSON *ev);
/* The operation did not happen (effective decision deny, or an approval denied). */
bool report_ev_blocked(const cJSON *ev);

/* Network target: host (domain if known, else address) and port. Returns 0 or -ENOENT. */
int report_ev_remote(const cJSON *ev, char *host, size_t hostlen, char *ip, size_t iplen,
		     long *port);
/* Exec: argv[from..] joined by single spaces into buf (truncated to fit). Returns argc. */
int report_ev_argv_join(const cJSON *ev, int from, char *buf, size_t len);
/* Exec: the program (filename, else argv[0]); NULL if none. */
const char *report_ev_program(const cJSON *ev);
/* A one-line human description of what the event is about ("open /etc/passwd"). */
void report_ev_describe(const cJSON *ev, char *buf, size_t len);

/* Parses events from a JSON array, an object holding one ("events", "history",
 * "items", "data"), or JSON lines. Returns a new cJSON array or NULL. */
cJSON *report_events_parse(const char *text);
/* Reads and parses a file ("-" = stdin). Returns a cJSON array or NULL (logged). */
cJSON *report_events_load_file(const char *path);

/* Basename of a path (pointer into it). */
const char *report_basename(const char *path);

#endif /* !AGENTSH_CLI_REPORT_EVENTS_H */
