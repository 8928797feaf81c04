/* `policy generate`: collect what a session did, then write it as policy YAML. */
#include "compat.h"
#include "policy_generate.h"
#include "report_events.h"
#include "report_md.h"

#include <signal.h>
#include <stdio.h>

static void key2(char *buf, size_t len, const char *a, const char *b)
{
	snprintf(buf, len, "%s\x1f%s", a, b);
}

static struct tally_item *pid_program(struct pgen *p, const cJSON *ev)
{
	char pid[32];
	struct tally_item *it;

	snprintf(pid, sizeof(pid), "%ld", report_ev_num(ev, "pid", 0));
	it = tally_find(&p->pid_cmd, pid);
	return it && it->extra ? tally_find(&p->cmds, it->extra) : NULL;
}

const struct pgen_class_info pgen_classes[PC_COUNT] = {
    [PC_WRITE] = {"allow-write", "allow", "changes"},
    [PC_SOFT] = {"soft-delete", "soft_delete", "deletions (soft-deleted, restorable)"},
    [PC_READ] = {"allow-read", "allow", "reads"},
};

/* Commands that get their own rule (and args_patterns with --arg-patterns). */
static const struct {
	const char *name;
	const char *why;
} risky[] = {
    {"curl", "network"},       {"wget", "network"},	 {"ssh", "network"},
    {"scp", "network"},	       {"sftp", "network"},	 {"rsync", "network"},
    {"nc", "network"},	       {"ncat", "network"},	 {"netcat", "network"},
    {"telnet", "network"},     {"ftp", "network"},	 {"rm", "destructive"},
    {"dd", "destructive"},     {"chmod", "destructive"}, {"chown", "destructive"},
    {"sudo", "privileged"},    {"su", "privileged"},	 {"doas", "privileged"},
    {"docker", "container"},   {"podman", "container"},	 {"kubectl", "orchestration"},
    {"helm", "orchestration"}, {"pip", "package"},	 {"pip3", "package"},
    {"gem", "package"},	       {"cargo", "package"},
};

const char *const pgen_unix_ops[PGEN_UNIX_OPS] = {"connect", "bind", "listen", "sendto"};

const char *pgen_risky_reason(const struct tally_item *cmd)
{
	for (size_t i = 0; i < ARRAY_SIZE(risky); i++)
		if (strcmp(cmd->key, risky[i].name) == 0)
			return risky[i].why;
	if (cmd->bits & SEEN_NETWORK)
		return "network-observed";
	if (cmd->bits & SEEN_DELETE)
		return "destructive-observed";
	return NULL;
}

static void collect_exec(struct pgen *p, const cJSON *ev, bool blocked)
{
	const char *prog = report_ev_program(ev);
	const char *names[] = {report_ev_str(ev, "raw_filename"), NULL};
	const cJSON *argv = cJSON_GetObjectItemCaseSensitive(ev, "argv");
	const cJSON *a0 = cJSON_GetArrayItem(argv, 0);
	char key[8192], args[4096], pid[32];
	const char *base;
	struct tally_item *it;

	if (!prog)
		return;
	base = report_basename(prog);
	if (blocked) {
		tally_bump(&p->blocked_cmds, base, 1);
		return;
	}
	tally_bump(&p->cmds, base, 0);
	names[1] = cJSON_IsString(a0) ? a0->valuestring : NULL;
	key2(key, sizeof(key), base, base);
	tally_get(&p->cmd_names, key);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i] && *report_basename(names[i]) && *names[i] != '-') {
			key2(key, sizeof(key), base, report_basename(names[i]));
			tally_get(&p->cmd_names, key);
		}
	}
	report_ev_argv_join(ev, 1, args, sizeof(args));
	key2(key, sizeof(key), base, args);
	tally_bump(&p->cmd_args, key, 0);
	snprintf(pid, sizeof(pid), "%ld", report_ev_num(ev, "pid", 0));
	it = tally_get(&p->pid_cmd, pid);
	if (it) {
		free(it->extra);
		it->extra = strdup(base);
	}
}

static void collect_file(struct pgen *p, const cJSON *ev, bool blocked)
{
	const char *path = report_ev_str(ev, "path");
	const char *op = report_ev_str(ev, "operation");
	unsigned long bit = pgen_file_op_bit(op);
	enum pgen_class c = PC_READ;
	struct tally_item *it, *prog;

	if (!path || path[0] != '/')
		return;
	if (report_op_is_write(op))
		c = strcmp(report_ev_decision(ev), "soft_delete") == 0 ? PC_SOFT : PC_WRITE;
	it = tally_get(blocked ? &p->blocked_files : &p->files[c], path);
	if (it)
		it->bits |= bit;
	prog = pid_program(p, ev);
	if (prog && !blocked && (bit & (pgen_file_op_bit("delete") | pgen_file_op_bit("rmdir"))))
		prog->bits |= SEEN_DELETE;
}

static void collect_net(struct pgen *p, const cJSON *ev, bool blocked)
{
	char host[256], ip[64], port[32], key[320];
	struct tally_item *prog = pid_program(p, ev);
	long pt;

	if (report_ev_remote(ev, host, sizeof(host), ip, sizeof(ip), &pt) < 0)
		return;
	for (char *h = host; *h; h++)
		*h = (char)(*h >= 'A' && *h <= 'Z' ? *h + 32 : *h);
	snprintf(port, sizeof(port), "%ld", pt > 0 ? pt : 0);
	key2(key, sizeof(key), host, port);
	tally_bump(blocked ? &p->blocked_hosts : &p->hosts, key, blocked);
	if (prog && !blocked)
		prog->bits |= SEEN_NETWORK;
}

static void collect_unix(struct pgen *p, const cJSON *ev, bool blocked)
{
	const char *path = report_ev_str(ev, "path");
	const char *op = report_ev_str(ev, "operation");
	const cJSON *abs = cJSON_GetObjectItemCaseSensitive(ev, "abstract");
	char key[4200];
	struct tally_item *it;

	if (!path)
		return;
	snprintf(key, sizeof(key), "%s%s", cJSON_IsTrue(abs) && path[0] != '@' ? "@" : "", path);
	it = tally_get(blocked ? &p->blocked_unix : &p->unix_paths, key);
	for (size_t i = 0; it && op && i < PGEN_UNIX_OPS; i++)
		if (strcmp(op, pgen_unix_ops[i]) == 0)
			it->bits |= 1ul << i;
}

/* "SIGTERM" for 15; the recorded text when it is not a number. */
static void signal_name(const cJSON *ev, char *buf, size_t len)
{
	const char *sig = report_ev_str(ev, "signal");
	long n = report_ev_num(ev, "signal", 0);
	const char *abbrev = n > 0 && n < 65 ? sigabbrev_np((int)n) : NULL;

	if (abbrev)
		snprintf(buf, len, "SIG%s", abbrev);
	else
		snprintf(buf, len, "%s", sig ? sig : "0");
}

static void collect_signal(struct pgen *p, const cJSON *ev, bool blocked)
{
	const char *rel = report_ev_str(ev, "target_relation");
	char sig[64], key[128];

	signal_name(ev, sig, sizeof(sig));
	key2(key, sizeof(key), sig, rel ? rel : "");
	tally_bump(blocked ? &p->blocked_signals : &p->signals, key, blocked);
}

static void collect(struct pgen *p, const cJSON *ev)
{
	bool blocked = report_ev_blocked(ev);
	const char *ts = report_ev_str(ev, "timestamp");

	p->n_events++;
	if (ts && (!p->first_ts || strcmp(ts, p->first_ts) < 0))
		p->first_ts = ts;
	if (ts && (!p->last_ts || strcmp(ts, p->last_ts) > 0))
		p->last_ts = ts;
	if (!p->sid)
		p->sid = report_ev_str(ev, "session_id");
	switch (report_ev_category(ev)) {
	case REPORT_CAT_EXEC:
		collect_exec(p, ev, blocked);
		break;
	case REPORT_CAT_FILE:
		collect_file(p, ev, blocked);
		break;
	case REPORT_CAT_NET:
		collect_net(p, ev, blocked);
		break;
	case REPORT_CAT_UNIX:
		collect_unix(p, ev, blocked);
		break;
	case REPORT_CAT_SIGNAL:
		collect_signal(p, ev, blocked);
		break;
	default:
		break;
	}
}

/* ---- output ---- */

/* Rule name from free text: lowercase letters, digits and '-'. */
void pgen_rule_name(char *buf, size_t len, const char *prefix, const char *what)
{
	size_t j = (size_t)snprintf(buf, len, "%s-", prefix);

	for (; *what && j + 1 < len && j < 60; what++) {
		char c = *what;

		c = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '-';
		if (c != '-' || buf[j - 1] != '-')
			buf[j++] = c;
	}
	while (j > 1 && buf[j - 1] == '-')
		j--;
	buf[j] = '\0';
}

static void emit_header(struct pgen *p)
{
	const char *sid = p->o->session_id ? p->o->session_id : p->sid;
	char name[256];
	FILE *out = p->out;

	pgen_rule_name(name, sizeof(name), "generated", sid ? sid : "session");
	fprintf(out, "# Generated by `agentsh policy generate` from session %s:\n",
		sid ? sid : "?");
	fprintf(out, "# %ld events", p->n_events);
	if (p->first_ts)
		fprintf(out, " from %s to %s", p->first_ts, p->last_ts);
	fprintf(out,
		".\n# It allows what the session did and nothing more; review it before use.\n"
		"# Reads that are not listed stay allowed by the default-allow-reads default.\n");
	fprintf(out, "version: 1\nname: ");
	pgen_yaml_str(out, p->o->name ? p->o->name : name);
	fprintf(out, "\ndescription: ");
	fprintf(out, "'Generated from session %s (%ld events)'\n", sid ? sid : "?", p->n_events);
}

void pgen_emit_string_list(FILE *out, const char *indent, const char *key, const char *const *v,
			   size_t n)
{
	fprintf(out, "%s%s:\n", indent, key);
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s  - ", indent);
		pgen_yaml_str(out, v[i]);
		fputc('\n', out);
	}
}

void pgen_emit_ops(FILE *out, const char *indent, const char *const *names, size_t n,
		   unsigned long bits)
{
	bool first = true;

	if (!bits)
		return;
	fprintf(out, "%soperations: [", indent);
	for (size_t i = 0; i < n; i++)
		if (bits & (1ul << i)) {
			fprintf(out, "%s%s", first ? "" : ", ", names[i]);
			first = false;
		}
	fprintf(out, "]\n");
}

/* Replays need the open that carries a write, and a read rule is about opens for reading. */
unsigned long pgen_rule_file_ops(unsigned long bits, enum pgen_class c)
{
	unsigned long open = pgen_file_op_bit("open"), read = pgen_file_op_bit("read");

	if (c == PC_READ && (bits & open))
		bits |= read;
	if (c != PC_READ && (bits & (pgen_file_op_bit("write") | pgen_file_op_bit("create"))))
		bits |= open;
	return bits;
}

int pgen_build(const cJSON *events, const struct pgen_opts *o, FILE *out)
{
	struct pgen p = {.o = o, .out = out};
	const cJSON *ev;
	int r;

	cJSON_ArrayForEach(ev, events) if (cJSON_IsObject(ev)) collect(&p, ev);
	if (!p.n_events) {
		pgen_release(&p);
		return -EINVAL;
	}
	emit_header(&p);
	r = pgen_emit_commands(&p);
	if (r == 0)
		r = pgen_emit_files(&p);
	if (r == 0)
		r = pgen_emit_network(&p);
	if (r == 0)
		pgen_emit_unix(&p);
	if (r == 0)
		pgen_emit_signals(&p);
	pgen_release(&p);
	fflush(out);
	return r < 0 ? r : ferror(out) ? -EIO : 0;
}
