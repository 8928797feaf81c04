/* The audit event line of one decided operation (compat.md §5). */
#include "compat.h"
#include "enforce.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

static const char *const type_names[] = {
	[OP_EXEC] = "ptrace_execve",  [OP_FILE] = "ptrace_file",     [OP_NET] = "ptrace_network",
	[OP_UNIX] = "ptrace_unix",    [OP_SIGNAL] = "ptrace_signal", [OP_SOCKET] = "ptrace_network",
	[OP_PROCESS] = "ptrace_process", [OP_DANGER] = "ptrace_process",
};

/* Unique ids without a syscall per event: a random base and a counter. */
static void event_id(char *out, size_t cap)
{
	static uint64_t base_hi, base_lo, counter;

	if (!base_hi && getrandom(&base_hi, sizeof(base_hi), 0) < 0)
		base_hi = (uint64_t)time(NULL) * 2654435761u;
	if (!base_lo && getrandom(&base_lo, sizeof(base_lo), 0) < 0)
		base_lo = (uint64_t)getpid() << 20;
	uint64_t lo = base_lo + ++counter;
	snprintf(out, cap, "%08x-%04x-4%03x-%04x-%012llx", (unsigned)(base_hi >> 32),
		 (unsigned)(base_hi >> 16) & 0xffff, (unsigned)base_hi & 0xfff,
		 (unsigned)(0x8000 | ((lo >> 48) & 0x3fff)),
		 (unsigned long long)(lo & 0xffffffffffffull));
}

static void timestamp(char *out, size_t cap)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000);
}

static const char *effective_action(enum decision eff)
{
	switch (eff) {
	case DECISION_DENY:
		return "denied";
	case DECISION_APPROVE:
		return "held";
	case DECISION_REDIRECT:
		return "redirected";
	case DECISION_SOFT_DELETE:
		return "soft_deleted";
	case DECISION_ABSORB:
		return "absorbed";
	default:
		return "allowed";
	}
}

/* The most specific relation, as a signal_rules target type. */
static const char *sig_relation_name(unsigned rel)
{
	static const struct {
		unsigned bit;
		const char *name;
	} order[] = {
		{ SIGREL_SELF, "self" },	 { SIGREL_CHILDREN, "children" },
		{ SIGREL_DESCENDANTS, "descendants" }, { SIGREL_PARENT, "parent" },
		{ SIGREL_SIBLINGS, "siblings" }, { SIGREL_SESSION, "session" },
		{ SIGREL_SYSTEM, "system" },	 { SIGREL_USER, "user" },
		{ SIGREL_EXTERNAL, "external" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(order); i++)
		if (rel & order[i].bit)
			return order[i].name;
	return "unknown";
}

static void add_exec(cJSON *ev, const struct op *op, const struct verdict *v)
{
	cJSON *argv = cJSON_AddArrayToObject(ev, "argv");

	cJSON_AddStringToObject(ev, "filename", op->p1.path);
	cJSON_AddStringToObject(ev, "raw_filename", op->p1.raw);
	for (int i = 0; i < op->argc; i++)
		cJSON_AddItemToArray(argv, cJSON_CreateString(op->argv[i]));
	cJSON_AddBoolToObject(ev, "truncated", op->truncated);
	if (v && v->unwrapped_from[0]) {
		cJSON_AddStringToObject(ev, "unwrapped_from", v->unwrapped_from);
		cJSON_AddStringToObject(ev, "payload_command", v->payload_command);
	}
}

static void add_net(cJSON *ev, cJSON *fields, const struct op *op)
{
	char remote[OP_ADDR_LEN + 16];
	bool v6 = strchr(op->addr, ':') != NULL;

	if (op->kind == OP_SOCKET) {
		cJSON_AddStringToObject(ev, "operation", "socket");
		cJSON_AddNumberToObject(fields, "family", op->family);
		cJSON_AddNumberToObject(fields, "sock_type", op->sock_type);
		return;
	}
	snprintf(remote, sizeof(remote), v6 ? "[%s]:%d" : "%s:%d", op->addr, op->port);
	cJSON_AddStringToObject(ev, "remote", remote);
	if (op->domain[0])
		cJSON_AddStringToObject(ev, "domain", op->domain);
	cJSON_AddStringToObject(ev, "operation", op->net_op ? op->net_op : "connect");
	cJSON_AddStringToObject(fields, "address", op->addr);
	cJSON_AddNumberToObject(fields, "port", op->port);
	cJSON_AddStringToObject(fields, "family", op->family == AF_INET6 && v6 ? "inet6" : "inet");
}

static void add_op(cJSON *ev, cJSON *fields, const struct op *op, const struct verdict *v,
		   const struct proc_info *pi)
{
	switch (op->kind) {
	case OP_EXEC:
		add_exec(ev, op, v);
		break;
	case OP_FILE:
		cJSON_AddStringToObject(ev, "path", op->p1.path);
		cJSON_AddStringToObject(ev, "operation", file_op_name(op->ops));
		if (strcmp(op->p1.raw, op->p1.path))
			cJSON_AddStringToObject(fields, "raw_path", op->p1.raw);
		if (op->npaths > 1)
			cJSON_AddStringToObject(fields, "path2", op->p2.path);
		break;
	case OP_NET:
	case OP_SOCKET:
		add_net(ev, fields, op);
		break;
	case OP_UNIX:
		cJSON_AddStringToObject(ev, "path", op->p1.path);
		cJSON_AddBoolToObject(ev, "abstract", op->abstract);
		cJSON_AddStringToObject(ev, "operation", op->net_op ? op->net_op : "connect");
		break;
	case OP_SIGNAL:
		cJSON_AddStringToObject(ev, "operation", "signal");
		cJSON_AddStringToObject(fields, "target_relation", sig_relation_name(pi->sig_relations));
		cJSON_AddNumberToObject(fields, "signal", op->sig);
		cJSON_AddNumberToObject(fields, "target_pid", op->target_pid);
		if (op->target_tid)
			cJSON_AddNumberToObject(fields, "target_tid", op->target_tid);
		break;
	default:
		cJSON_AddStringToObject(ev, "operation", op->name);
		if (op->npaths)
			cJSON_AddStringToObject(ev, "path", op->p1.path);
		cJSON_AddNumberToObject(fields, "flags", (double)op->flags);
		break;
	}
}

char *event_build(const struct enforce_opts *o, const struct proc_info *pi, const struct op *op,
		  const struct verdict *v)
{
	cJSON *ev = cJSON_CreateObject(), *pol, *fields;
	char id[64], ts[96];
	char *line;

	if (!ev)
		return NULL;
	event_id(id, sizeof(id));
	timestamp(ts, sizeof(ts));
	cJSON_AddStringToObject(ev, "id", id);
	cJSON_AddStringToObject(ev, "timestamp", ts);
	cJSON_AddStringToObject(ev, "type", type_names[op->kind] ? type_names[op->kind] : "ptrace");
	cJSON_AddStringToObject(ev, "session_id", o->session_id ? o->session_id : "");
	cJSON_AddStringToObject(ev, "command_id", o->command_id ? o->command_id : "");
	cJSON_AddStringToObject(ev, "source", "ptrace");
	cJSON_AddNumberToObject(ev, "pid", pi->pid);
	cJSON_AddNumberToObject(ev, "parent_pid", pi->ppid);
	cJSON_AddNumberToObject(ev, "depth", pi->depth < 0 ? 0 : pi->depth);
	fields = cJSON_CreateObject();
	add_op(ev, fields, op, v, pi);
	cJSON_AddStringToObject(fields, "syscall", op->name ? op->name : "");
	if (pi->tid != pi->pid)
		cJSON_AddNumberToObject(fields, "tid", pi->tid);
	if (op->err)
		cJSON_AddStringToObject(fields, "error", strerror(-op->err));
	pol = cJSON_AddObjectToObject(ev, "policy");
	cJSON_AddStringToObject(pol, "decision", decision_name(v->decision));
	cJSON_AddStringToObject(pol, "effective_decision", decision_name(v->effective));
	cJSON_AddStringToObject(pol, "rule", v->rule ? v->rule : "");
	cJSON_AddStringToObject(pol, "message", v->message);
	if (v->redirect_path[0])
		cJSON_AddStringToObject(pol, "redirect", v->redirect_path);
	cJSON_AddStringToObject(ev, "effective_action", effective_action(v->effective));
	cJSON_AddStringToObject(fields, "decision", decision_name(v->decision));
	cJSON_AddStringToObject(fields, "rule", v->rule ? v->rule : "");
	cJSON_AddItemToObject(ev, "fields", fields);
	line = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return line;
}

char *event_build_approval(const struct enforce_opts *o, pid_t pid, pid_t tid, uint64_t id,
			   const char *outcome, const char *rule)
{
	cJSON *ev = cJSON_CreateObject(), *fields;
	char eid[64], ts[96], aid[32];
	char *line;

	if (!ev)
		return NULL;
	event_id(eid, sizeof(eid));
	timestamp(ts, sizeof(ts));
	snprintf(aid, sizeof(aid), "%llu", (unsigned long long)id);
	cJSON_AddStringToObject(ev, "id", eid);
	cJSON_AddStringToObject(ev, "timestamp", ts);
	cJSON_AddStringToObject(ev, "type", "ptrace_approval");
	cJSON_AddStringToObject(ev, "session_id", o->session_id ? o->session_id : "");
	cJSON_AddStringToObject(ev, "command_id", o->command_id ? o->command_id : "");
	cJSON_AddStringToObject(ev, "source", "ptrace");
	cJSON_AddNumberToObject(ev, "pid", pid);
	cJSON_AddStringToObject(ev, "operation", "approval");
	cJSON_AddStringToObject(ev, "effective_action", strcmp(outcome, "approved") ? "denied" : "allowed");
	cJSON *pol = cJSON_AddObjectToObject(ev, "policy");
	cJSON_AddStringToObject(pol, "decision", "approve");
	cJSON_AddStringToObject(pol, "effective_decision", strcmp(outcome, "approved") ? "deny" : "allow");
	cJSON_AddStringToObject(pol, "rule", rule ? rule : "");
	cJSON_AddStringToObject(pol, "message", strcmp(outcome, "timeout") ? "" : "approval timed out");
	fields = cJSON_AddObjectToObject(ev, "fields");
	cJSON_AddStringToObject(fields, "approval_id", aid);
	cJSON_AddStringToObject(fields, "outcome", outcome);
	cJSON_AddStringToObject(fields, "rule", rule ? rule : "");
	if (tid != pid)
		cJSON_AddNumberToObject(fields, "tid", tid);
	line = cJSON_PrintUnformatted(ev);
	cJSON_Delete(ev);
	return line;
}
