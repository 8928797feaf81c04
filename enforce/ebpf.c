/* eBPF cgroup backend: session cgroup, program load/attach, ring buffer -> audit events. */
#include "compat.h"
#include "enforce/ebpf.h"
#include "enforce_int.h"
#include "enforce/plan.h"
#include "log.h"
#include "net/net.h"
#include "tracer/tracer.h"

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "net.skel.h"

struct ebpf {
	struct agentsh_net *skel;
	struct ring_buffer *rb;
	struct enforce *enf;
	struct tracer *t;
	int cg_fd, procs_fd;
	bool loop; /* the bpf_loop program set is loaded (else the unrolled one) */
	unsigned long events;
	/* For the last records, drained after wrap has freed the enforce state. */
	struct enforce_opts o;
	char *sid, *cid;
	int events_fd;
	char *rule_names[EBPF_MAX_RULES];
	char cg_path[4096];
};

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return 0;
}

/* Session cgroups of an agentsh that died without cleaning up: its pid is
 * gone and (rmdir refuses otherwise) no process is left in them. */
static void cgroup_sweep(const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *de;
	char path[4200];

	if (!d)
		return;
	while ((de = readdir(d))) {
		int pid;
		unsigned n;

		if (sscanf(de->d_name, "agentsh-%d-%u", &pid, &n) != 2 || pid <= 0 ||
		    kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s/%s", parent, de->d_name);
		rmdir(path);
	}
	closedir(d);
}

static int cgroup_create(struct ebpf *b, const char *parent)
{
	static unsigned seq;
	char procs[4200];

	if (!seq)
		cgroup_sweep(parent);

	snprintf(b->cg_path, sizeof(b->cg_path), "%s/agentsh-%d-%u", parent, (int)getpid(), seq++);
	if (mkdir(b->cg_path, 0700) < 0)
		return log_errno(-errno, "cannot create the session cgroup %s", b->cg_path);
	b->cg_fd = open(b->cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", b->cg_path);
	b->procs_fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (b->cg_fd < 0 || b->procs_fd < 0)
		return log_errno(-errno, "cannot open the session cgroup %s", b->cg_path);
	return 0;
}

static int fill_maps(struct ebpf *b, const struct ebpf_rule *rules, size_t n, __u32 dflt)
{
	struct ebpf_config cfg = { .nrules = (__u32)n, .default_verdict = dflt };
	int rfd = bpf_map__fd(b->skel->maps.rules), cfd = bpf_map__fd(b->skel->maps.config);
	__u32 zero = 0;

	if (b->enf->dns) {
		cfg.proxy_ip4 = htonl(INADDR_LOOPBACK);
		cfg.proxy_port = (__u32)dnsproxy_port(b->enf->dns);
	}
	for (__u32 i = 0; i < n; i++)
		if (bpf_map_update_elem(rfd, &i, &rules[i], BPF_ANY) < 0)
			return -errno;
	return bpf_map_update_elem(cfd, &zero, &cfg, BPF_ANY) < 0 ? -errno : 0;
}

/* The program set this kernel verifies fast: with bpf_loop (5.17+), or
 * the unrolled one. */
static bool use_bpf_loop(void)
{
	if (getenv("AGENTSH_TEST_EBPF_UNROLLED") && *getenv("AGENTSH_TEST_EBPF_UNROLLED"))
		return false; /* the tests' way to the older kernels' set */
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_FUNC_loop, NULL) == 1;
}

#define PROG_SET(sk, s)                                                                  \
	{ { (sk)->progs.agentsh_connect4##s, (sk)->progs.agentsh_connect6##s,            \
	    (sk)->progs.agentsh_sendmsg4##s, (sk)->progs.agentsh_sendmsg6##s },          \
	  { &(sk)->links.agentsh_connect4##s, &(sk)->links.agentsh_connect6##s,          \
	    &(sk)->links.agentsh_sendmsg4##s, &(sk)->links.agentsh_sendmsg6##s } }

struct prog_set {
	struct bpf_program *progs[4];
	struct bpf_link **links[4];
};

static int load(struct ebpf *b)
{
	struct prog_set sets[2] = { PROG_SET(b->skel, ), PROG_SET(b->skel, _unrolled) };
	int use = use_bpf_loop() ? 0 : 1;

	for (int i = 0; i < 4; i++)
		bpf_program__set_autoload(sets[1 - use].progs[i], false);
	b->loop = use == 0;
	return agentsh_net__load(b->skel);
}

static int attach_all(struct ebpf *b)
{
	struct prog_set sets[2] = { PROG_SET(b->skel, ), PROG_SET(b->skel, _unrolled) };
	struct prog_set *set = &sets[b->loop ? 0 : 1];

	for (size_t i = 0; i < ARRAY_SIZE(set->progs); i++) {
		*set->links[i] = bpf_program__attach_cgroup(set->progs[i], b->cg_fd);
		if (!*set->links[i])
			return -errno;
	}
	return 0;
}

/* The policy's verdict; after wrap freed the policy, the kernel's rule. */
static void verdict_of(struct ebpf *b, const struct ebpf_event *ev, const struct op *op,
		       struct verdict *v)
{
	struct net_query q = { .ip = op->addr, .port = op->port, .operation = op->net_op };

	if (b->enf) {
		policy_decide_network(b->enf->p, &q, v);
		if (v->effective != DECISION_DENY)
			log_warn("ebpf denied %s:%d that the policy allows", op->addr, op->port);
		return;
	}
	memset(v, 0, sizeof(*v));
	v->decision = v->effective = DECISION_DENY;
	v->rule = ev->rule >= 0 && ev->rule < EBPF_MAX_RULES && b->rule_names[ev->rule]
			  ? b->rule_names[ev->rule]
			  : "default-deny-network";
	snprintf(v->message, sizeof(v->message), "blocked in the kernel (ebpf)");
}

/* One in-kernel denial -> a ptrace_network-shaped event with source "ebpf". */
static void write_event(struct ebpf *b, const struct ebpf_event *ev)
{
	struct op op = { .kind = OP_NET, .family = (int)ev->family, .port = (int)ev->port };
	struct proc_info pi = { .pid = (pid_t)ev->tgid, .tid = (pid_t)ev->tid };
	struct verdict v;
	char *line, *src;

	op.net_op = ev->op == EBPF_OP_CONNECT ? "connect" : "sendto";
	op.name = ev->op == EBPF_OP_CONNECT ? "connect" : "sendmsg";
	if (ev->family == AF_INET)
		inet_ntop(AF_INET, &ev->addr[3], op.addr, sizeof(op.addr));
	else
		inet_ntop(AF_INET6, ev->addr, op.addr, sizeof(op.addr));
	if (b->t)
		tracer_proc_info(b->t, pi.tid, &pi.pid, &pi.ppid, &pi.depth);
	verdict_of(b, ev, &op, &v);
	line = event_build(&b->o, &pi, &op, &v);
	if (!line)
		return;
	src = strstr(line, "\"source\":\"ptrace\"");
	if (src) /* same length: "ebpf\"," keeps the JSON valid */
		memmove(src + 10, "ebpf\"", 5), memmove(src + 15, src + 17, strlen(src + 17) + 1);
	if (b->enf) {
		enforce_write_line(b->enf, line);
	} else if (b->events_fd >= 0) {
		size_t n = strlen(line);
		if (write(b->events_fd, line, n) < 0 || write(b->events_fd, "\n", 1) < 0)
			log_debug("ebpf event: %s", strerror(errno));
	}
	b->events++;
	free(line);
}

static int on_record(void *ctx, void *data, size_t len)
{
	if (len >= sizeof(struct ebpf_event))
		write_event(ctx, data);
	return 0;
}

static const char *rule_name(const struct policy *p, size_t i)
{
	const char *name = "";
	enum decision d;

	policy_export_head(p, PLAN_SEC_NETWORK, i, &name, &d);
	return name ? name : "";
}

int ebpf_start(const struct ebpf_rule *rules, size_t n, __u32 dflt, const char *parent,
	       struct enforce *enf, struct ebpf **out)
{
	struct ebpf *b = calloc(1, sizeof(*b));
	int r;

	if (!b)
		return -ENOMEM;
	b->cg_fd = b->procs_fd = -1;
	b->enf = enf;
	b->o = enf->o;
	b->sid = strdup(enf->o.session_id ? enf->o.session_id : "");
	b->cid = strdup(enf->o.command_id ? enf->o.command_id : "");
	b->o.session_id = b->sid;
	b->o.command_id = b->cid;
	b->events_fd = enf->o.events_fd >= 0 ? fcntl(enf->o.events_fd, F_DUPFD_CLOEXEC, 3) : -1;
	for (size_t i = 0; i < n && i < EBPF_MAX_RULES; i++)
		b->rule_names[i] = strdup(rule_name(enf->p, i));
	*out = b;
	libbpf_set_print(libbpf_quiet);
	if ((r = cgroup_create(b, parent)))
		return r;
	b->skel = agentsh_net__open();
	if (!b->skel)
		return log_errno(-errno, "cannot open the eBPF network programs");
	if ((r = load(b)))
		return log_errno(r, "cannot load the eBPF network programs");
	if ((r = fill_maps(b, rules, n, dflt)) || (r = attach_all(b)))
		return log_errno(r, "cannot attach the eBPF programs to %s", b->cg_path);
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_record, b, NULL);
	return b->rb ? 0 : log_errno(-errno, "cannot open the eBPF ring buffer");
}

int ebpf_child(struct ebpf *b)
{
	/* "0": the writing process itself; everything it forks stays inside */
	return write(b->procs_fd, "0", 1) == 1 ? 0 : -errno;
}

static void on_ring(struct tracer *t, int fd, void *ctx)
{
	(void)t, (void)fd;
	ring_buffer__consume(((struct ebpf *)ctx)->rb);
}

int ebpf_attach(struct ebpf *b, struct tracer *t)
{
	b->t = t;
	return tracer_add_fd(t, ring_buffer__epoll_fd(b->rb), on_ring, b);
}

const char *ebpf_cgroup_path(const struct ebpf *b)
{
	return b->cg_path;
}

unsigned long ebpf_events(const struct ebpf *b)
{
	return b->events;
}

/* Processes left behind (daemonised out of the tree) are killed: the cgroup must go. */
static void cgroup_remove(struct ebpf *b)
{
	char kill_path[4200];

	for (int i = 0; i < 100 && rmdir(b->cg_path) < 0 && errno == EBUSY; i++) {
		if (i == 0) {
			int fd;

			snprintf(kill_path, sizeof(kill_path), "%s/cgroup.kill", b->cg_path);
			fd = open(kill_path, O_WRONLY | O_CLOEXEC);
			if (fd >= 0 && write(fd, "1", 1) < 0)
				log_debug("cgroup.kill: %s", strerror(errno));
			if (fd >= 0)
				close(fd);
		}
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	if (access(b->cg_path, F_OK) == 0)
		log_warn("cannot remove the session cgroup %s: %s", b->cg_path, strerror(errno));
}

void ebpf_stop(struct ebpf *b)
{
	if (!b)
		return;
	b->enf = NULL; /* wrap has freed it by now (atexit) */
	b->t = NULL;
	if (b->rb)
		ring_buffer__consume(b->rb);
	ring_buffer__free(b->rb);
	if (b->procs_fd >= 0)
		close(b->procs_fd);
	if (b->cg_fd >= 0)
		close(b->cg_fd);
	/* The cgroup first: its programs go with it (detaching link by link waits for
	 * an RCU grace period each). */
	if (b->cg_path[0])
		cgroup_remove(b);
	agentsh_net__destroy(b->skel);
	if (b->events_fd >= 0)
		close(b->events_fd);
	for (size_t i = 0; i < EBPF_MAX_RULES; i++)
		free(b->rule_names[i]);
	free(b->sid);
	free(b->cid);
	free(b);
}
