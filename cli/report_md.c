#include "compat.h"
#include "report_md.h"
#include "report_events.h"
#include "report_tally.h"

#include <stdio.h>

#define REPORT_LIST_MAX 50 /* findings listed per section before "... and N more" */
#define REPORT_TOP_MAX 15  /* rows in the activity tables */

/* Decisions in the order the summary shows them. */
static const char *const decisions[] = {"allow", "deny",	"approve", "redirect",
					"audit", "soft_delete", "absorb"};

static const char *const read_ops[] = {"open", "read", "stat", "list", "readlink", "access"};

/* Path fragments worth a finding even when the read was allowed. */
static const char *const sensitive[] = {
    "/.ssh/",	   "/.aws/",  "/.gnupg/",	   "/.kube/",	   "/.docker/config.json",
    "/etc/shadow", "/.netrc", "/.git-credentials", "/.config/gh/", "/.env"};

/* Writes there are normal for any program and not worth a finding. */
static const char *const write_noise[] = {"/dev/", "/proc/"};

struct finding_lists {
	struct tally denied, approvals, redirects, soft_deletes, outside, sensitive, truncated;
};

struct report_ctx {
	const cJSON *events;
	const struct report_opts *o;
	FILE *out;
	struct tally pid_comm; /* pid -> last exec'd program */
	struct finding_lists f;
	struct tally cats, commands, file_ops, net, decided;
	const char *first_ts, *last_ts, *sid;
	long n_events, n_blocked;
	long n_finished, n_failed; /* submitted commands that finished / exited non-zero */
};

bool report_op_is_write(const char *op)
{
	if (!op || !*op)
		return false;
	for (size_t i = 0; i < ARRAY_SIZE(read_ops); i++)
		if (strcmp(op, read_ops[i]) == 0)
			return false;
	return true;
}

static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* `frag` ("/.ssh/", "/.netrc") occurs in path as whole components (".envrc" is not ".env"). */
static bool path_has_component(const char *path, const char *frag)
{
	size_t n = strlen(frag);

	for (const char *p = strstr(path, frag); p; p = strstr(p + 1, frag))
		if (frag[n - 1] == '/' || p[n] == '\0' || p[n] == '/')
			return true;
	return false;
}

/* Markdown table cells and inline code: no pipes, backticks or newlines. */
static void md_clean(const char *in, char *out, size_t len)
{
	size_t j = 0;

	for (; in && *in && j + 1 < len; in++)
		out[j++] = (*in == '|' || *in == '`' || *in == '\n' || *in == '\r') ? ' ' : *in;
	out[j < len ? j : 0] = '\0';
}

static const char *ev_comm(struct report_ctx *c, const cJSON *ev)
{
	char pid[32];
	struct tally_item *it;

	snprintf(pid, sizeof(pid), "%ld", report_ev_num(ev, "pid", 0));
	it = tally_find(&c->pid_comm, pid);
	return it && it->extra ? it->extra : NULL;
}

/* "open /etc/passwd by cat (pid 12)" — the line a finding shows. */
static void finding_key(struct report_ctx *c, const cJSON *ev, char *buf, size_t len)
{
	char what[768], clean[768];
	const char *comm = ev_comm(c, ev);
	const char *rule = report_ev_rule(ev);

	report_ev_describe(ev, what, sizeof(what));
	md_clean(what, clean, sizeof(clean));
	snprintf(buf, len, "**%s** `%s`%s%s%s — rule `%s`", report_cat_name(report_ev_category(ev)),
		 clean, comm ? " by `" : "", comm ? report_basename(comm) : "", comm ? "`" : "",
		 rule[0] ? rule : "(default)");
}

static void note_exec(struct report_ctx *c, const cJSON *ev, bool blocked)
{
	const char *prog = report_ev_program(ev);
	char pid[32];
	struct tally_item *it;

	if (!prog)
		return;
	tally_bump(&c->commands, report_basename(prog), blocked);
	snprintf(pid, sizeof(pid), "%ld", report_ev_num(ev, "pid", 0));
	it = tally_get(&c->pid_comm, pid);
	if (it && !blocked) {
		free(it->extra);
		it->extra = strdup(prog);
	}
}

static void note_file(struct report_ctx *c, const cJSON *ev, bool blocked, const char *key)
{
	const char *op = report_ev_str(ev, "operation");
	const char *path = report_ev_str(ev, "path");

	tally_bump(&c->file_ops, op ? op : "?", blocked);
	if (!path || blocked)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(sensitive); i++)
		if (path_has_component(path, sensitive[i])) {
			tally_bump(&c->f.sensitive, key, 0);
			break;
		}
	if (!c->o->workspace || !report_op_is_write(op) || path_under(path, c->o->workspace))
		return;
	for (size_t i = 0; i < ARRAY_SIZE(write_noise); i++)
		if (strncmp(path, write_noise[i], strlen(write_noise[i])) == 0)
			return;
	tally_bump(&c->f.outside, key, 0);
}

static void note_net(struct report_ctx *c, const cJSON *ev, bool blocked)
{
	char host[256], ip[64], key[400];
	long port;

	if (report_ev_remote(ev, host, sizeof(host), ip, sizeof(ip), &port) < 0)
		return;
	snprintf(key, sizeof(key), "%s:%ld", host, port);
	tally_bump(&c->net, key, blocked);
}

/* An approve event is written when the operation is held; an outcome event may follow. */
static const char *approval_outcome(const cJSON *ev, bool blocked)
{
	if (blocked)
		return "denied";
	return strcmp(report_ev_effective(ev), "approve") == 0 ? "held for a human" : "allowed";
}

static void note_findings(struct report_ctx *c, const cJSON *ev, bool blocked, const char *key)
{
	const char *d = report_ev_decision(ev);
	const cJSON *tr = cJSON_GetObjectItemCaseSensitive(ev, "truncated");

	if (blocked)
		tally_bump(&c->f.denied, key, 1);
	if (strcmp(d, "approve") == 0 || report_ev_category(ev) == REPORT_CAT_APPROVAL) {
		char k[1200];

		snprintf(k, sizeof(k), "%s — %s", key, approval_outcome(ev, blocked));
		tally_bump(&c->f.approvals, k, blocked);
	}
	if (strcmp(d, "redirect") == 0)
		tally_bump(&c->f.redirects, key, 0);
	if (strcmp(d, "soft_delete") == 0 && !blocked)
		tally_bump(&c->f.soft_deletes, key, 0);
	if (cJSON_IsTrue(tr))
		tally_bump(&c->f.truncated, key, 0);
}

static void note_submit(struct report_ctx *c, const cJSON *ev)
{
	const char *t = report_ev_str(ev, "type");

	if (t && strcmp(t, "command_finished") == 0) {
		c->n_finished++;
		c->n_failed += report_ev_num(ev, "exit_code", 0) != 0;
	}
}

static void note_event(struct report_ctx *c, const cJSON *ev)
{
	bool blocked = report_ev_blocked(ev);
	enum report_cat cat = report_ev_category(ev);
	const char *ts = report_ev_str(ev, "timestamp");
	char key[1024];

	c->n_events++;
	c->n_blocked += blocked;
	if (ts && (!c->first_ts || strcmp(ts, c->first_ts) < 0))
		c->first_ts = ts;
	if (ts && (!c->last_ts || strcmp(ts, c->last_ts) > 0))
		c->last_ts = ts;
	if (!c->sid)
		c->sid = report_ev_str(ev, "session_id");
	tally_bump(&c->cats, report_cat_name(cat), blocked);
	if (cat == REPORT_CAT_SUBMIT) { /* the server's lifecycle events decide nothing */
		note_submit(c, ev);
		return;
	}
	if (cat == REPORT_CAT_EXEC)
		note_exec(c, ev, blocked);
	finding_key(c, ev, key, sizeof(key));
	tally_bump(&c->decided, report_ev_decision(ev), blocked);
	if (cat == REPORT_CAT_FILE)
		note_file(c, ev, blocked, key);
	else if (cat == REPORT_CAT_NET)
		note_net(c, ev, blocked);
	note_findings(c, ev, blocked, key);
}

static void print_header(struct report_ctx *c)
{
	FILE *out = c->out;
	const char *sid = c->o->session_id ? c->o->session_id : c->sid;
	struct tally_item *cmds = tally_find(&c->cats, report_cat_name(REPORT_CAT_EXEC));

	fprintf(out, "# agentsh session report\n\n");
	fprintf(out, "- **Session:** `%s`\n", sid ? sid : "(unknown)");
	if (c->o->workspace)
		fprintf(out, "- **Workspace:** `%s`\n", c->o->workspace);
	if (c->o->policy)
		fprintf(out, "- **Policy:** `%s`\n", c->o->policy);
	if (c->first_ts)
		fprintf(out, "- **Time:** %s → %s\n", c->first_ts, c->last_ts);
	fprintf(out, "- **Events:** %ld (%ld blocked)\n", c->n_events, c->n_blocked);
	fprintf(out, "- **Commands run:** %ld\n", cmds ? cmds->count : 0L);
	if (c->n_finished)
		fprintf(out, "- **Commands submitted:** %ld (%ld exited non-zero)\n", c->n_finished,
			c->n_failed);
	fputc('\n', out);
}

static void print_decisions(struct report_ctx *c)
{
	FILE *out = c->out;

	fprintf(out, "## Decision summary\n\n");
	if (!c->n_events) {
		fprintf(out, "No events were recorded for this session.\n\n");
		return;
	}
	fprintf(out, "| decision | events |\n|---|---:|\n");
	for (size_t i = 0; i < ARRAY_SIZE(decisions); i++) {
		struct tally_item *it = tally_find(&c->decided, decisions[i]);

		if (it)
			fprintf(out, "| %s | %ld |\n", decisions[i], it->count);
	}
	for (size_t i = 0; i < c->decided.len; i++) {
		bool known = false;

		for (size_t j = 0; j < ARRAY_SIZE(decisions); j++)
			known = known || strcmp(c->decided.items[i].key, decisions[j]) == 0;
		if (!known)
			fprintf(out, "| %s | %ld |\n", c->decided.items[i].key,
				c->decided.items[i].count);
	}
	fprintf(out, "\n**Blocked operations: %ld.**\n\n", c->n_blocked);
}

static void print_list(FILE *out, const char *hashes, const char *title, struct tally *t,
		       const char *none, const char *hint)
{
	size_t i;

	fprintf(out, "%s %s (%zu)\n\n", hashes, title, t->len);
	if (!t->len) {
		fprintf(out, "%s\n\n", none);
		return;
	}
	tally_sort_by_count(t);
	for (i = 0; i < t->len && i < REPORT_LIST_MAX; i++) {
		fprintf(out, "- %s", t->items[i].key);
		if (t->items[i].count > 1)
			fprintf(out, " (×%ld)", t->items[i].count);
		fprintf(out, "\n");
	}
	if (t->len > REPORT_LIST_MAX)
		fprintf(out, "- ... and %zu more\n", t->len - REPORT_LIST_MAX);
	if (hint)
		fprintf(out, "\n%s\n", hint);
	fprintf(out, "\n");
}

static void print_findings(struct report_ctx *c)
{
	struct finding_lists *f = &c->f;
	FILE *out = c->out;

	fprintf(out, "## Findings\n\n");
	print_list(out, "###", "Denied operations", &f->denied, "None: nothing was denied.", NULL);
	print_list(out, "###", "Approvals", &f->approvals,
		   "None: nothing needed a human's approval.", NULL);
	print_list(out, "###", "Redirects", &f->redirects, "None.", NULL);
	print_list(out, "###", "Soft-deleted files", &f->soft_deletes, "None.",
		   f->soft_deletes.len ? "Restore them with `agentsh trash`." : NULL);
	fprintf(out, "### Anomalies\n\n");
	if (!c->o->workspace)
		fprintf(out, "_Workspace unknown: writes outside it were not judged._\n\n");
	print_list(out, "####", "Writes outside the workspace", &f->outside, "None.", NULL);
	print_list(out, "####", "Sensitive files read", &f->sensitive, "None.", NULL);
	print_list(out, "####", "Truncated arguments or paths", &f->truncated, "None.", NULL);
}

static void print_top(FILE *out, const char *title, const char *col, struct tally *t)
{
	if (!t->len)
		return;
	tally_sort_by_count(t);
	fprintf(out, "### %s\n\n| %s | count | blocked |\n|---|---:|---:|\n", title, col);
	for (size_t i = 0; i < t->len && i < REPORT_TOP_MAX; i++) {
		char k[512];

		md_clean(t->items[i].key, k, sizeof(k));
		fprintf(out, "| `%s` | %ld | %ld |\n", k, t->items[i].count, t->items[i].blocked);
	}
	if (t->len > REPORT_TOP_MAX)
		fprintf(out, "| ... %zu more | | |\n", t->len - REPORT_TOP_MAX);
	fprintf(out, "\n");
}

static void print_activity(struct report_ctx *c)
{
	FILE *out = c->out;

	fprintf(out, "## Activity by category\n\n");
	if (!c->cats.len) {
		fprintf(out, "No activity.\n\n");
		return;
	}
	fprintf(out, "| category | events | allowed | blocked |\n|---|---:|---:|---:|\n");
	for (enum report_cat k = 0; k < REPORT_CAT_COUNT; k++) {
		struct tally_item *it = tally_find(&c->cats, report_cat_name(k));

		if (it)
			fprintf(out, "| %s | %ld | %ld | %ld |\n", it->key, it->count,
				it->count - it->blocked, it->blocked);
	}
	fprintf(out, "\n");
	print_top(out, "Commands", "program", &c->commands);
	print_top(out, "File operations", "operation", &c->file_ops);
	print_top(out, "Network destinations", "destination", &c->net);
}

static void print_timeline(struct report_ctx *c)
{
	const cJSON *ev;
	FILE *out = c->out;

	fprintf(out, "## Timeline\n\n| time | pid | category | operation | decision | rule |\n"
		     "|---|---:|---|---|---|---|\n");
	cJSON_ArrayForEach(ev, c->events)
	{
		const char *ts = report_ev_str(ev, "timestamp");
		const char *t = ts && strlen(ts) > 11 && ts[10] == 'T' ? ts + 11 : ts;
		bool submit = report_ev_category(ev) == REPORT_CAT_SUBMIT;
		bool bold = report_ev_blocked(ev);
		char what[1024], clean[1024], rule[256];

		report_ev_describe(ev, what, sizeof(what));
		md_clean(what, clean, sizeof(clean));
		md_clean(report_ev_rule(ev), rule, sizeof(rule));
		fprintf(out, "| %s | %ld | %s | `%s` | %s%s%s | %s |\n", t ? t : "",
			report_ev_num(ev, "pid", 0), report_cat_name(report_ev_category(ev)), clean,
			bold ? "**" : "", submit ? "-" : report_ev_effective(ev), bold ? "**" : "",
			rule);
	}
	fprintf(out, "\n");
}

static void report_ctx_release(struct report_ctx *c)
{
	struct tally *all[] = {&c->pid_comm,	   &c->f.denied,  &c->f.approvals, &c->f.redirects,
			       &c->f.soft_deletes, &c->f.outside, &c->f.sensitive, &c->f.truncated,
			       &c->cats,	   &c->commands,  &c->file_ops,	   &c->net,
			       &c->decided};

	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		tally_release(all[i]);
}

int report_render(const cJSON *events, const struct report_opts *o, FILE *out)
{
	struct report_ctx c = {.events = events, .o = o, .out = out};
	const cJSON *ev;

	cJSON_ArrayForEach(ev, events) if (cJSON_IsObject(ev)) note_event(&c, ev);
	print_header(&c);
	print_decisions(&c);
	print_findings(&c);
	print_activity(&c);
	if (o->detailed)
		print_timeline(&c);
	report_ctx_release(&c);
	fflush(out);
	return ferror(out) ? -EIO : 0;
}
