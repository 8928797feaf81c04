/* Server configuration (compat.md §2): YAML with env expansion, discovery, defaults. */
#ifndef AGENTSH_CONFIG_H
#define AGENTSH_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

struct cJSON;

#define CONFIG_ERR_LEN 512

struct config_strv {
	char **v;
	size_t n;
};

struct config_socket_family {
	char *family; /* "AF_ALG" */
	char *action; /* "errno" (EAFNOSUPPORT) | "kill" | "log" */
};

struct config_families {
	struct config_socket_family *v;
	size_t n;
};

struct config_ptrace {
	bool enabled;
	char *attach_mode; /* children | pid */
	long target_pid;
	char *target_pid_file;
	struct {
		bool execve, file, network, signal;
		char *verify_open; /* auto | always | never */
	} trace;
	struct {
		bool seccomp_prefilter;
		long max_tracees;
		long max_hold_ms;
		bool static_allow_file, static_allow_network, arg_level_filter;
	} performance;
	char *mask_tracer_pid;   /* "off" only */
	char *on_attach_failure; /* fail_open | fail_closed */
};

struct config_fuse {
	bool enabled, deferred;
	char *mount_base_dir, *deferred_marker_file, *deferred_enable_command;
	long max_background;
	struct {
		bool enabled;
		char *mode; /* monitor | soft_block | soft_delete | strict */
		char *trash_path;
		long long ttl_ms;
		long long quota_bytes;
		bool strict_on_audit_failure;
		long max_event_queue;
		long long hash_small_files_under;
	} audit;
};

struct config_network {
	bool enabled;
	long proxy_port, dns_port;
	struct config_strv dns_upstreams; /* host:port; empty = /etc/resolv.conf */
	char *intercept_mode;             /* all | tcp_only | monitor */
	char *proxy_listen_addr;
	struct {
		bool enabled;
		char *subnet_base;
	} transparent;
	struct cJSON *tls_inspection, *ebpf, *rate_limits;
};

struct config_env_policy {
	struct config_strv allow, deny;
	long max_bytes, max_keys;
	bool block_iteration;
};

struct config {
	char *path; /* file loaded, NULL when only defaults */
	struct {
		struct {
			char *addr;
			long long read_timeout_ms, write_timeout_ms;
			long long max_request_size;
		} http;
		char *unix_socket;
		struct cJSON *grpc, *tls;
	} server;
	struct {
		char *type; /* none | api_key | oidc | hybrid */
		struct {
			struct config_strv keys;
			char *keys_file;
			char *header_name;
		} api_key;
		struct cJSON *oidc;
	} auth;
	struct {
		bool enabled;
		char *output; /* JSONL path; NULL = <data>/audit.jsonl */
		struct {
			long max_size_mb, max_backups;
		} rotation;
		struct {
			bool enabled;
			char *sqlite_path; /* NULL = <data>/events.db */
			long batch_size;
			long long flush_interval_ms;
			long channel_size;
		} storage;
		struct {
			bool enabled;
			char *algorithm;  /* hmac-sha256 | hmac-sha512 */
			char *key_source; /* file | env | ... */
			char *key_file, *key_env;
		} integrity;
		struct cJSON *webhook, *encryption, *otel, *watchtower;
	} audit;
	struct {
		char *base_dir;
		long max_sessions;
		long long default_timeout_ms, default_idle_timeout_ms, cleanup_interval_ms;
		bool real_paths;
		struct cJSON *checkpoints;
	} sessions;
	struct {
		bool enabled;
		struct config_ptrace ptrace;
		struct {
			bool enabled;
			char *mode;
			struct config_families blocked_socket_families;
			struct cJSON *unix_socket, *syscalls, *execve, *shellc, *file_monitor;
		} seccomp;
		struct {
			bool enabled;
		} unix_sockets;
		struct config_fuse fuse;
		struct config_network network;
		struct {
			bool enabled, best_effort;
			char *base_path;
		} cgroups;
		struct {
			long max_memory_mb, cpu_quota_percent, pids_max;
		} limits;
	} sandbox;
	struct {
		char *dir;     /* resolved by config_load when not set */
		char *default_name;
		struct config_strv allowed;
		char *manifest_path;
		struct {
			char *trust_store;
			char *mode; /* enforce | warn | off */
		} signing;
		struct config_env_policy env_policy;
		char *env_shim_path;
		long long reload_interval_ms;
		bool detect_project_root;
		struct config_strv project_markers;
		char *symlink_escape; /* evaluate | deny */
	} policies;
	struct {
		bool enabled;
		char *mode;
		long long timeout_ms;
	} approvals;
	struct {
		char *mode; /* auto | full | landlock | landlock-only | minimal */
		bool strict;
		char *minimum_mode;
		bool warn_degraded;
	} security;
	struct {
		bool enabled;
		struct config_strv allow_execute, allow_read, allow_write, deny_paths;
		struct {
			bool allow_connect_tcp, allow_bind_tcp;
			struct config_strv bind_ports;
		} network;
	} landlock;
	/* Top-level sections accepted as generic subtrees. */
	struct cJSON *platform, *logging, *mount_profiles, *metrics, *health, *development, *proxy,
		*dlp, *llm_storage, *capabilities, *threat_feeds, *tor, *package_checks, *skillcheck,
		*policy_socket;
};

/* Fills every field with its documented default (owned strings; free with config_free). */
void config_defaults(struct config *cfg);

/* Defaults, then the YAML at path (env-expanded) over them, then env overrides
 * (AGENTSH_HTTP_ADDR). path NULL = defaults + env only. On error returns -errno
 * or -EINVAL with "FILE:LINE:COL: what" in err, and cfg holds defaults. */
int config_load(const char *path, struct config *cfg, char err[CONFIG_ERR_LEN]);

/* The config file to use: flag, else AGENTSH_CONFIG, else ~/.config/agentsh/config.yaml|yml,
 * else /etc/agentsh/config.yaml. *out = malloc'd path, or NULL when none exists (not an error).
 * A flag or AGENTSH_CONFIG naming a missing file is -ENOENT. */
int config_discover(const char *flag_path, char **out);

/* config_discover + config_load. */
int config_load_discovered(const char *flag_path, struct config *cfg, char err[CONFIG_ERR_LEN]);

void config_free(struct config *cfg);

/* Expands $VAR, ${VAR} and ${VAR:-fallback} (undefined = empty; "$$" = "$"). Malloc'd. */
char *config_expand_env(const char *text);

/* "30s", "5m", "1h30m", "250ms", "7d"; "0" = 0. Returns 0 or -EINVAL. */
int config_parse_duration_ms(const char *s, long long *out_ms);

/* "10MB", "5GB", "1024", "1KiB" (1024-based). Returns 0 or -EINVAL. */
int config_parse_size(const char *s, long long *out_bytes);

/* The data directory: AGENTSH_DATA_DIR, else $XDG_DATA_HOME/agentsh, else ~/.local/share/agentsh. */
char *config_data_dir(void);

#endif /* !AGENTSH_CONFIG_H */
