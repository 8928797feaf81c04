/* Private to exec.c and exec_run.c: one running command. */
#ifndef AGENTSH_SERVER_EXEC_RUN_H
#define AGENTSH_SERVER_EXEC_RUN_H

#include "internal.h"

#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <cjson/cJSON.h>

#define OUTPUT_CAP (1u << 20)
#define LINE_MAX_BYTES (1u << 20)
#define EVENTS_KEPT 20000

struct obuf {
	char *p;
	size_t len, total;
	bool trunc;
};

struct linebuf {
	char *p;
	size_t len;
};

struct exec_run {
	struct server *srv;
	char command_id[SRV_ID_LEN], session_id[SRV_ID_LEN];
	pid_t pid;
	int pty_fd; /* --pty: the terminal's master side (a dup of out_fd) for input and resize */
	int pidfd, wake_fd, out_fd, err_fd, ev_fd, in_fd, appr_listen, appr_fd;
	pthread_mutex_t appr_lock;
	char appr_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char appr_arg[sizeof(((struct sockaddr_un *)0)->sun_path) + 8];
	struct obuf out, err;
	struct linebuf evl, apl;
	cJSON *events;
	const struct exec_sink *sink;
	const char *stdin_data;
	size_t stdin_len, stdin_off;
	long long deadline_ms;
	bool exited, timed_out, killed, kill_req;
	/* the policy's audit settings (only when it sets any log_* key) */
	bool audit_filter, log_allowed, log_denied, log_approved, include_stdout, include_stderr;
	struct exec_run *next;
};

struct argv_b {
	const char *v[64 + 1024];
	size_t n;
};

int exec_build_argv(struct exec_run *run, const struct session *s, const struct cJSON *req,
		    struct argv_b *a, char nums[2][24]);
int exec_approver_listen(struct exec_run *run);
int exec_spawn(struct exec_run *run, const struct argv_b *a, char **envp, const char *cwd);
/* Same on a new pseudo-terminal of size ws: wrap (and the command) get it as stdin, stdout,
 * stderr and controlling terminal; run->out_fd reads it, run->pty_fd writes it. */
int exec_spawn_pty(struct exec_run *run, const struct argv_b *a, char **envp, const char *cwd,
		   const struct winsize *ws);
void exec_io_loop(struct exec_run *run);
void exec_kill_tree(struct exec_run *run);

#endif /* !AGENTSH_SERVER_EXEC_RUN_H */
