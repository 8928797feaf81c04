/* Private to the server: policies loaded by the server itself (validation, policy test,
 * the submit-time check) and the routes of policies.c / policy_test.c. */
#ifndef AGENTSH_SERVER_SRV_POLICY_H
#define AGENTSH_SERVER_SRV_POLICY_H

#include "http.h"

struct cJSON;
struct policy;
struct policy_limits;
struct policy_audit;

/* Validates policy text named NAME (errors read "NAME.yaml:LINE:COL: ..."); *result is
 * {valid, name, description | error, file, line, column, warnings[]}. 0 or -errno. */
int srv_policy_check_text(const char *name, const char *text, size_t len,
			  struct cJSON **result);

/* Loads a session's policy by name from policies.dir with the manifest and signature
 * checks, ${PROJECT_ROOT} = workspace. 0, or -errno with msg filled. */
int srv_policy_load(struct server *srv, const char *name, const char *workspace,
		    struct policy **out, char *msg, size_t msglen);

/* The submit-time check of a command given to exec (policy_decide_exec, submit=true,
 * execve_enforced=true). Returns a JSON event (type command_policy) when the command is
 * denied, else NULL; limits receives the policy's resource_limits, audit its audit
 * settings (either may be NULL). -errno in *err when the policy cannot be loaded. */
struct cJSON *srv_policy_precheck(struct server *srv, const struct session *s,
				  const char *command, const struct cJSON *args,
				  struct policy_limits *limits, struct policy_audit *audit, int *err,
				  char *msg, size_t msglen);

enum MHD_Result api_policy_test(struct hreq *r);
enum MHD_Result api_wrap_init(struct hreq *r);

extern const struct route policy_routes[];
extern const size_t policy_nroutes;

#endif /* !AGENTSH_SERVER_SRV_POLICY_H */
