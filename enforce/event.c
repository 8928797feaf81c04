/* The audit event line of one decided operation (compat.md §5). */
#include "compat.h"
#include "enforce.h"
#include "jsonw.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>

static const char *const type_names[] = {
	[OP_EXEC] = "ptrace_execve",  [OP_FILE] = "ptrace_file",     [OP_NET] = "ptrace_network",
	[OP_UNIX] = "ptrace_unix",    [OP_SIGNAL] = "ptrace_signal", [OP_SOCKET] = "ptrace_network",
	[OP_PROCESS] = "ptrace_process", [OP_DANGER] = "ptrace_process",
};

static uint64_t base_hi, base_lo, counter;

static void event_id_init(void)
{
	if (getrandom(&base_hi, sizeof(base_hi), 0) < 0)
		base_hi = (uint64_t)time(NULL) * 2654435761u;
	if (getrandom(&base_lo, sizeof(base_lo), 0) < 0)
		base_lo = (uint64_t)getpid() << 20;
}

/* Unique ids without a syscall per event: a random base and a counter. Events are
 * built in the tracer's loop, the DNS proxy's and the FUSE layer's threads. */
static void event_id(char *out, size_t cap)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, event_id_init);
	uint64_t lo = base_lo + __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
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

static void add_exec(struct jw *w, const struct op *op, const struct verdict *v)
{
	jw_arr(w, "argv");
	for (int i = 0; i < op->argc; i++)
		jw_str(w, NULL, op->argv[i]);
	jw_end_arr(w);
	jw_str(w, "filename", op->p1.path);
	jw_str(w, "raw_filename", op->p1.raw);
	jw_bool(w, "truncated", op->truncated);
	if (v && v->unwrapped_from[0]) {
		jw_str(w, "unwrapped_from", v->unwrapped_from);
		jw_str(w, "payload_command", v->payload_command);
	}
}

static bool net_v6(const struct op *op)
{
	return strchr(op->addr, ':') != NULL;
}

/* The op's own top-level fields. */
static void add_op(struct jw *w, const struct op *op, const struct verdict *v)
{
	char remote[OP_ADDR_LEN + 16];

	switch (op->kind) {
	case OP_EXEC:
		add_exec(w, op, v);
		break;
	case OP_FILE:
		jw_str(w, "path", op->p1.path);
		jw_str(w, "operation", file_op_name(op->ops));
		break;
	case OP_SOCKET:
		jw_str(w, "operation", "socket");
		break;
	case OP_NET:
		snprintf(remote, sizeof(remote), net_v6(op) ? "[%s]:%d" : "%s:%d", op->addr,
			 op->port);
		jw_str(w, "remote", remote);
		if (op->domain[0])
			jw_str(w, "domain", op->domain);
		jw_str(w, "operation", op->net_op ? op->net_op : "connect");
		break;
	case OP_UNIX:
		jw_str(w, "path", op->p1.path);
		jw_bool(w, "abstract", op->abstract);
		jw_str(w, "operation", op->net_op ? op->net_op : "connect");
		break;
	case OP_SIGNAL:
		jw_str(w, "operation", "signal");
		break;
	default:
		jw_str(w, "operation", op->name);
		if (op->npaths)
			jw_str(w, "path", op->p1.path);
		break;
	}
}

/* The op's details inside "fields". */
static void add_op_fields(struct jw *w, const struct op *op, const struct proc_info *pi)
{
	switch (op->kind) {
	case OP_EXEC:
		if (op->interp[0])
			jw_str(w, "interpreter", op->interp);
		break;
	case OP_FILE:
		if (strcmp(op->p1.raw, op->p1.path))
			jw_str(w, "raw_path", op->p1.raw);
		if (op->npaths > 1)
			jw_str(w, "path2", op->p2.path);
		break;
	case OP_SOCKET:
		jw_num(w, "family", op->family);
		jw_num(w, "sock_type", op->sock_type);
		break;
	case OP_NET:
		jw_str(w, "address", op->addr);
		jw_num(w, "port", op->port);
		jw_str(w, "family", op->family == AF_INET6 && net_v6(op) ? "inet6" : "inet");
		break;
	case OP_SIGNAL:
		jw_str(w, "target_relation", sig_relation_name(pi->sig_relations));
		jw_num(w, "signal", op->sig);
		jw_num(w, "target_pid", op->target_pid);
		if (op->target_tid)
			jw_num(w, "target_tid", op->target_tid);
		break;
	case OP_UNIX:
		break;
	default:
		jw_num(w, "flags", (long long)op->flags);
		break;
	}
}

char *event_build(const struct enforce_opts *o, const struct proc_info *pi, const struct op *op,
		  const struct verdict *v)
{
	struct jw w = { 0 };
	char id[64], ts[96];

	event_id(id, sizeof(id));
	timestamp(ts, sizeof(ts));
	jw_obj(&w, NULL);
	jw_str(&w, "id", id);
	jw_str(&w, "timestamp", ts);
	jw_str(&w, "type", type_names[op->kind] ? type_names[op->kind] : "ptrace");
	jw_str(&w, "session_id", o->session_id ? o->session_id : "");
	jw_str(&w, "command_id", o->command_id ? o->command_id : "");
	jw_str(&w, "source", "ptrace");
	jw_num(&w, "pid", pi->pid);
	jw_num(&w, "parent_pid", pi->ppid);
	jw_num(&w, "depth", pi->depth < 0 ? 0 : pi->depth);
	add_op(&w, op, v);
	jw_obj(&w, "policy");
	jw_str(&w, "decision", decision_name(v->decision));
	jw_str(&w, "effective_decision", decision_name(v->effective));
	jw_str(&w, "rule", v->rule ? v->rule : "");
	jw_str(&w, "message", v->message);
	if (v->redirect_path[0])
		jw_str(&w, "redirect", v->redirect_path);
	jw_end_obj(&w);
	jw_str(&w, "effective_action", effective_action(v->effective));
	jw_obj(&w, "fields");
	add_op_fields(&w, op, pi);
	jw_str(&w, "syscall", op->name ? op->name : "");
	if (pi->tid != pi->pid)
		jw_num(&w, "tid", pi->tid);
	if (op->err)
		jw_str(&w, "error", strerror(-op->err));
	jw_str(&w, "decision", decision_name(v->decision));
	jw_str(&w, "rule", v->rule ? v->rule : "");
	jw_end_obj(&w);
	jw_end_obj(&w);
	return jw_finish(&w);
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
