/* Every key of compat.md §1, once: the loader and the releaser iterate these. */
#include "compat.h"
#include "internal.h"
#include "schema.h"

#define S(T, what, posf, arr)                                                                      \
	{                                                                                          \
		what, sizeof(T), posf, arr, ARRAY_SIZE(arr)                                        \
	}
#define FLD(T, key, type, member)                                                                  \
	{                                                                                          \
		key, type, offsetof(T, member), NULL, NULL                                         \
	}
#define SUB(T, key, type, member, sub)                                                             \
	{                                                                                          \
		key, type, offsetof(T, member), &(sub), NULL                                       \
	}
#define HEAD(T)                                                                                    \
	FLD(T, "name", F_STR, h.name), FLD(T, "description", F_STR, h.description),                \
	    FLD(T, "message", F_STR, h.message), FLD(T, "decision", F_DECISION, h.decision),       \
	    FLD(T, "timeout", F_DUR, h.timeout_ms)

static const struct field f_file[] = {
    HEAD(struct file_rule),
    FLD(struct file_rule, "paths", F_STRLIST, paths),
    FLD(struct file_rule, "operations", F_STRLIST, operations),
    FLD(struct file_rule, "redirect_to", F_STR, redirect_to),
    FLD(struct file_rule, "preserve_tree", F_BOOL, preserve_tree),
};
static const struct schema s_file =
    S(struct file_rule, "file_rules entry", offsetof(struct file_rule, h.pos), f_file);

static const struct field f_net[] = {
    HEAD(struct network_rule),
    FLD(struct network_rule, "domains", F_STRLIST, domains),
    FLD(struct network_rule, "ports", F_INTLIST, ports),
    FLD(struct network_rule, "cidrs", F_STRLIST, cidrs),
};
static const struct schema s_net =
    S(struct network_rule, "network_rules entry", offsetof(struct network_rule, h.pos), f_net);

static const struct field f_depth[] = {
    FLD(struct depth_range, "min_depth", F_INT, min),
    FLD(struct depth_range, "max_depth", F_INT, max),
};
const struct schema schema_depth = S(struct depth_range, "context", NO_POS, f_depth);

static const struct field f_cmd_redirect[] = {
    FLD(struct cmd_redirect_raw, "command", F_STR, command),
    FLD(struct cmd_redirect_raw, "args", F_STRLIST, args),
    FLD(struct cmd_redirect_raw, "args_append", F_STRLIST, args_append),
    FLD(struct cmd_redirect_raw, "environment", F_STRMAP, environment),
};
static const struct schema s_cmd_redirect = S(
    struct cmd_redirect_raw, "redirect_to", offsetof(struct cmd_redirect_raw, pos), f_cmd_redirect);

static const struct field f_cmd[] = {
    HEAD(struct command_rule),
    FLD(struct command_rule, "commands", F_STRLIST, commands),
    FLD(struct command_rule, "args_patterns", F_STRLIST, args_patterns),
    SUB(struct command_rule, "redirect_to", F_OBJ, redirect_to, s_cmd_redirect),
    FLD(struct command_rule, "context", F_CONTEXT, context),
    FLD(struct command_rule, "env_allow", F_STRLIST, env_allow),
    FLD(struct command_rule, "env_deny", F_STRLIST, env_deny),
    FLD(struct command_rule, "env_max_bytes", F_INT, env_max_bytes),
    FLD(struct command_rule, "env_max_keys", F_INT, env_max_keys),
    FLD(struct command_rule, "env_block_iteration", F_TRIBOOL, env_block_iteration),
};
static const struct schema s_cmd =
    S(struct command_rule, "command_rules entry", offsetof(struct command_rule, h.pos), f_cmd);

static const struct field f_unix[] = {
    HEAD(struct unix_rule),
    FLD(struct unix_rule, "paths", F_STRLIST, paths),
    FLD(struct unix_rule, "operations", F_STRLIST, operations),
};
static const struct schema s_unix =
    S(struct unix_rule, "unix_socket_rules entry", offsetof(struct unix_rule, h.pos), f_unix);

static const struct field f_registry[] = {
    HEAD(struct registry_rule),
    FLD(struct registry_rule, "paths", F_STRLIST, paths),
    FLD(struct registry_rule, "operations", F_STRLIST, operations),
    FLD(struct registry_rule, "priority", F_INT, priority),
    FLD(struct registry_rule, "cache_ttl", F_DUR, cache_ttl_ms),
    FLD(struct registry_rule, "notify", F_BOOL, notify),
};
static const struct schema s_registry = S(struct registry_rule, "registry_rules entry",
					  offsetof(struct registry_rule, h.pos), f_registry);

static const struct field f_sig_target[] = {
    FLD(struct signal_target_raw, "type", F_STR, type),
    FLD(struct signal_target_raw, "pattern", F_STR, pattern),
    FLD(struct signal_target_raw, "min", F_INT, min),
    FLD(struct signal_target_raw, "max", F_INT, max),
};
static const struct schema s_sig_target =
    S(struct signal_target_raw, "target", offsetof(struct signal_target_raw, pos), f_sig_target);

static const struct field f_sig[] = {
    HEAD(struct signal_rule),
    FLD(struct signal_rule, "signals", F_STRLIST, signals),
    SUB(struct signal_rule, "target", F_OBJ, target, s_sig_target),
    FLD(struct signal_rule, "fallback", F_STR, fallback),
    FLD(struct signal_rule, "redirect_to", F_STR, redirect_to),
};
static const struct schema s_sig =
    S(struct signal_rule, "signal_rules entry", offsetof(struct signal_rule, h.pos), f_sig);

static const struct field f_dns[] = {
    FLD(struct dns_redirect, "name", F_STR, name),
    FLD(struct dns_redirect, "match", F_STR, match),
    FLD(struct dns_redirect, "resolve_to", F_STR, resolve_to),
    FLD(struct dns_redirect, "visibility", F_STR, visibility),
    FLD(struct dns_redirect, "on_failure", F_STR, on_failure),
};
static const struct schema s_dns =
    S(struct dns_redirect, "dns_redirects entry", offsetof(struct dns_redirect, pos), f_dns);

static const struct field f_tls[] = {
    FLD(struct tls_raw, "mode", F_STR, mode),
    FLD(struct tls_raw, "sni", F_STR, sni),
};
static const struct schema s_tls = S(struct tls_raw, "tls", offsetof(struct tls_raw, pos), f_tls);

static const struct field f_conn[] = {
    FLD(struct connect_redirect, "name", F_STR, name),
    FLD(struct connect_redirect, "match", F_STR, match),
    FLD(struct connect_redirect, "redirect_to", F_STR, redirect_to),
    FLD(struct connect_redirect, "redirect_to_unix", F_STR, redirect_to_unix),
    SUB(struct connect_redirect, "tls", F_OBJ, tls, s_tls),
    FLD(struct connect_redirect, "visibility", F_STR, visibility),
    FLD(struct connect_redirect, "message", F_STR, message),
    FLD(struct connect_redirect, "on_failure", F_STR, on_failure),
};
static const struct schema s_conn = S(struct connect_redirect, "connect_redirects entry",
				      offsetof(struct connect_redirect, pos), f_conn);

#define RL(key, type, member) FLD(struct resource_limits_raw, key, type, member)
static const struct field f_limits[] = {
    RL("max_memory_mb", F_INT, max_memory_mb),
    RL("memory_swap_max_mb", F_INT, memory_swap_max_mb),
    RL("cpu_quota_percent", F_INT, cpu_quota_percent),
    RL("disk_read_bps_max", F_INT, disk_read_bps_max),
    RL("disk_write_bps_max", F_INT, disk_write_bps_max),
    RL("net_bandwidth_mbps", F_INT, net_bandwidth_mbps),
    RL("pids_max", F_INT, pids_max),
    RL("command_timeout", F_DUR, command_timeout_ms),
    RL("session_timeout", F_DUR, session_timeout_ms),
    RL("idle_timeout", F_DUR, idle_timeout_ms),
};
static const struct schema s_limits = S(struct resource_limits_raw, "resource_limits",
					offsetof(struct resource_limits_raw, pos), f_limits);

static const struct field f_env[] = {
    FLD(struct env_policy_raw, "allow", F_STRLIST, allow),
    FLD(struct env_policy_raw, "deny", F_STRLIST, deny),
    FLD(struct env_policy_raw, "max_bytes", F_INT, max_bytes),
    FLD(struct env_policy_raw, "max_keys", F_INT, max_keys),
    FLD(struct env_policy_raw, "block_iteration", F_BOOL, block_iteration),
};
static const struct schema s_env =
    S(struct env_policy_raw, "env_policy", offsetof(struct env_policy_raw, pos), f_env);

#define AU(key, type, member) FLD(struct audit_raw, key, type, member)
static const struct field f_audit[] = {
    AU("log_allowed", F_BOOL, log_allowed),
    AU("log_denied", F_BOOL, log_denied),
    AU("log_approved", F_BOOL, log_approved),
    AU("include_stdout", F_BOOL, include_stdout),
    AU("include_stderr", F_BOOL, include_stderr),
    AU("include_file_content", F_BOOL, include_file_content),
    AU("retention_days", F_INT, retention_days),
};
static const struct schema s_audit =
    S(struct audit_raw, "audit", offsetof(struct audit_raw, pos), f_audit);

static const struct field f_transparent[] = {
    FLD(struct transparent_raw, "add", F_STRLIST, add),
    FLD(struct transparent_raw, "remove", F_STRLIST, remove),
};
static const struct schema s_transparent = S(struct transparent_raw, "transparent_commands",
					     offsetof(struct transparent_raw, pos), f_transparent);

static const struct field f_meta[] = {
    FLD(struct metadata_entry, "rule_name", F_STR, rule_name),
    FLD(struct metadata_entry, "source", F_STR, source),
};
static const struct schema s_meta =
    S(struct metadata_entry, "metadata entry", offsetof(struct metadata_entry, pos), f_meta);

#define P(key, type, member) FLD(struct policy, key, type, member)
#define PS(key, type, member, sub) SUB(struct policy, key, type, member, sub)
static const struct field f_policy[] = {
    P("version", F_INT, version),
    P("name", F_STR, name),
    P("description", F_STR, description),
    PS("metadata", F_OBJLIST, metadata, s_meta),
    PS("file_rules", F_OBJLIST, file_rules, s_file),
    PS("network_rules", F_OBJLIST, network_rules, s_net),
    PS("command_rules", F_OBJLIST, command_rules, s_cmd),
    PS("unix_socket_rules", F_OBJLIST, unix_rules, s_unix),
    PS("registry_rules", F_OBJLIST, registry_rules, s_registry),
    PS("signal_rules", F_OBJLIST, signal_rules, s_sig),
    PS("dns_redirects", F_OBJLIST, dns_redirects, s_dns),
    PS("connect_redirects", F_OBJLIST, connect_redirects, s_conn),
    PS("resource_limits", F_OBJ, resource_limits, s_limits),
    PS("env_policy", F_OBJ, env_policy, s_env),
    PS("audit", F_OBJ, audit, s_audit),
    P("env_inject", F_STRMAP, env_inject),
    P("mcp_rules", F_ANY, mcp_rules),
    P("process_contexts", F_ANY, process_contexts),
    P("process_identities", F_ANY, process_identities),
    P("package_rules", F_ANY, package_rules),
    PS("transparent_commands", F_OBJ, transparent, s_transparent),
    P("providers", F_ANY, providers),
    P("http_services", F_ANY, http_services),
    P("db_services", F_ANY, db_services),
    P("database_rules", F_ANY, database_rules),
    P("database_connection_rules", F_ANY, database_connection_rules),
    P("policies", F_ANY, policies),
    {"services", F_REJECT, offsetof(struct policy, services), NULL,
     "services: is no longer supported; migrate it to http_services"},
};
const struct schema schema_policy =
    S(struct policy, "policy", offsetof(struct policy, pos), f_policy);
