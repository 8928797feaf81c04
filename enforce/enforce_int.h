#ifndef AGENTSH_ENFORCE_INT_H
#define AGENTSH_ENFORCE_INT_H

#include "enforce.h"

#include <pthread.h>
#include <time.h>

struct enforce {
	struct enforce_opts o;
	bool sink_broken; /* an events write failed: the tracer stops the command */
	struct policy *p;
	int approver_fd;
	uint64_t next_approval;
	char abuf[8192];
	size_t alen;
	bool approver_tty;
	uint64_t pending[64]; /* tty: questions not yet answered, oldest first */
	size_t npending;
	time_t started;
	struct identity_index *ids;
	struct dnsproxy *dns;
	struct net_redirects *redirects;
	pthread_mutex_t write_lock; /* event lines come from the proxy thread too */
	char events_path[4096]; /* the events output when it is a file ("" otherwise) */
	dev_t events_dev;       /* ... and its identity (another name of it) */
	ino_t events_ino;
	bool (*in_tree)(void *ctx, pid_t pid); /* enforce_set_tree */
	void *tree_ctx;
	struct ldso_waits *ldso; /* enforce/ldso.c */
};

int enforce_approver_connect(struct enforce *e);

/* enforce/ldso.c: the opens of ld.so run directly, until it has its
 * program, judged as the exec (true: v holds the verdict, not an allow). */
struct ldso_waits *ldso_waits_new(void);
void ldso_waits_free(struct ldso_waits *l);
bool enforce_ldso_open(const struct enforce *e, const struct proc_info *pi, const struct op *op,
		       struct verdict *v);

void enforce_write_line(struct enforce *e, char *line);

bool enforce_net_dns(struct enforce *e, const struct op *op, struct decision_out *d);
void enforce_net_connect_redirect(struct enforce *e, const struct op *op, const char *domain,
				  struct decision_out *d);

/* enforce/identity.c: (device, inode) of protected files. */
struct identity_index;
struct identity_index *identity_build(const struct policy *p, const struct policy_vars *vars);
void identity_free(struct identity_index *ix);
const char *identity_lookup(const struct identity_index *ix, const char *path);
void enforce_send_approval(struct enforce *e, uint64_t id, const char *event_line,
			   long timeout_ms);

#endif /* !AGENTSH_ENFORCE_INT_H */
