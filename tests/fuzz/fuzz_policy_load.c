/* libFuzzer: the policy YAML loader, then one decision of each kind. */
#include "compat.h"
#include "policy/policy.h"

#include <stdint.h>

static void decide_all(const struct policy *p)
{
	static const char *const argv[] = {"sh", "-c", "env X=1 nice rm -rf /", NULL};
	struct exec_query eq = {.filename = "/bin/sh", .argv = argv, .argc = 3};
	struct net_query nq = {.ip = "10.0.0.1", .domain = "api.github.com", .port = 443};
	struct signal_query sq = {.sig = 15, .relations = SIGREL_CHILDREN, .target_comm = "x"};
	char *envp[] = {"PATH=/bin", "AWS_SECRET_ACCESS_KEY=x", "AGENTSH_X=1", NULL};
	struct policy_error err;
	struct verdict v;
	char **env;

	policy_decide_file(p, "/home/u/.ssh/id_rsa", FOP_OPEN | FOP_READ, &v);
	policy_decide_file(p, "/work/proj/a", FOP_DELETE, &v);
	policy_decide_network(p, &nq, &v);
	policy_decide_unix(p, "@abstract", "connect", &v);
	policy_decide_signal(p, &sq, &v);
	policy_decide_exec(p, &eq, &v);
	eq.submit = true;
	policy_decide_exec(p, &eq, &v);
	if (policy_build_env(p, &v, envp, &env, &err) == 0)
		policy_env_free(env);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_vars vars = {
	    .project_root = "/work/proj", .git_root = "/work/proj", .home = "/home/u"};
	struct policy_error err;
	struct policy *p = NULL;

	if (policy_load_buffer("fuzz.yaml", (const char *)data, size, &vars, NULL, &p, &err) == 0) {
		decide_all(p);
		policy_free(p);
	}
	return 0;
}
