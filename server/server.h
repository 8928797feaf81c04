/* agentsh server: HTTP API, sessions, exec through `agentsh wrap`, approvals, event store. */
#ifndef AGENTSH_SERVER_H
#define AGENTSH_SERVER_H

struct config;

/* Runs until SIGINT/SIGTERM. self_exe is the agentsh binary run for every exec
 * (`agentsh wrap`); config_path (may be NULL) is passed on to it. Returns 0 or -errno. */
int server_run(const struct config *cfg, const char *config_path, const char *self_exe);

#endif /* !AGENTSH_SERVER_H */
