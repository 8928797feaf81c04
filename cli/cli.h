/* One function per top-level command; each lives in cli/<command>.c. */
#ifndef AGENTSH_CLI_H
#define AGENTSH_CLI_H

/* Global flags (compat.md §3), resolved from flags then environment. */
struct cli_globals {
	const char *server;   /* --server / AGENTSH_SERVER, default http://127.0.0.1:18080 */
	const char *transport; /* --transport http|grpc */
	const char *api_key;  /* --api-key / AGENTSH_API_KEY */
	long client_timeout_ms; /* --client-timeout / AGENTSH_CLIENT_TIMEOUT, default 30s */
	const char *argv0;    /* path this binary was run as (for self-exec) */
};

/* argv[0] is the command name; return value is the process exit status. */
#define CLI_COMMANDS(X)                                                                            \
	X(wrap, "run a command under the tracer and a policy")                                     \
	X(attach, "trace an existing process tree (sidecar mode)")                                 \
	X(policy, "validate, show, test, sign and generate policies")                              \
	X(audit, "verify the audit log's HMAC chain")                                              \
	X(server, "run the agentsh server")                                                        \
	X(session, "create, list, inspect and destroy sessions")                                   \
	X(exec, "run a command in a session through the server")                                   \
	X(approve, "list and resolve pending approvals")                                           \
	X(report, "summarise a session as markdown")                                               \
	X(detect, "probe this machine's enforcement capabilities")                                 \
	X(trash, "list and restore soft-deleted files")                                            \
	X(shim, "install or remove the shell shim")

#define X(name, help) int cmd_##name(int argc, char **argv, const struct cli_globals *g);
CLI_COMMANDS(X)
#undef X

/* Parses a Go-style duration ("30s", "5m", "1h30m", "250ms"). Returns 0 or -EINVAL. */
int cli_parse_duration_ms(const char *s, long *out_ms);

#endif /* !AGENTSH_CLI_H */
