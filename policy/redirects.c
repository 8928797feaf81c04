/* dns_redirects and connect_redirects: regexes compiled once, first match wins. */
#include "compat.h"
#include "internal.h"

#include <arpa/inet.h>
#include <stdio.h>

static bool one_of(const char *s, const char *const *allowed)
{
	if (!s || !*s)
		return true;
	for (; *allowed; allowed++)
		if (strcmp(s, *allowed) == 0)
			return true;
	return false;
}

static const char *const visibilities[] = {"silent", "audit_only", "warn", NULL};
static const char *const failures[] = {"fail_closed", "fail_open", "retry_original", NULL};
static const char *const tls_modes[] = {"passthrough", "rewrite_sni", NULL};

static int compile_re(const char *file, struct pos pos, const char *section, const char *name,
		      const char *pattern, pcre2_code **out, struct policy_error *err)
{
	char msg[256];

	if (!pattern || !*pattern)
		return policy_errorf(err, file, pos, "%s \"%s\": match is required", section, name);
	if (!(*out = policy_regex_compile(pattern, msg, sizeof(msg))))
		return policy_errorf(err, file, pos, "%s \"%s\": bad match regex \"%s\": %s",
				     section, name, pattern, msg);
	return 0;
}

static bool is_ip(const char *s)
{
	unsigned char buf[16];

	return s && (inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1);
}

static int compile_dns(const char *file, struct dns_redirect *r, struct policy_error *err)
{
	const char *name = r->name ? r->name : "";
	int e = compile_re(file, r->pos, "dns_redirects", name, r->match, &r->re, err);

	if (e < 0)
		return e;
	if (!is_ip(r->resolve_to))
		return policy_errorf(err, file, r->pos,
				     "dns_redirects \"%s\": resolve_to must be an IP address",
				     name);
	if (!one_of(r->visibility, visibilities))
		return policy_errorf(err, file, r->pos,
				     "dns_redirects \"%s\": visibility must be silent, audit_only "
				     "or warn",
				     name);
	if (!one_of(r->on_failure, failures))
		return policy_errorf(err, file, r->pos,
				     "dns_redirects \"%s\": on_failure must be fail_closed, "
				     "fail_open or retry_original",
				     name);
	return 0;
}

static int compile_connect(const char *file, struct connect_redirect *r, struct policy_error *err)
{
	const char *name = r->name ? r->name : "";
	int e = compile_re(file, r->pos, "connect_redirects", name, r->match, &r->re, err);

	if (e < 0)
		return e;
	if (!(r->redirect_to && *r->redirect_to) == !(r->redirect_to_unix && *r->redirect_to_unix))
		return policy_errorf(err, file, r->pos,
				     "connect_redirects \"%s\": give exactly one of redirect_to "
				     "and redirect_to_unix",
				     name);
	if (!one_of(r->tls.mode, tls_modes))
		return policy_errorf(err, file, r->tls.pos,
				     "connect_redirects \"%s\": tls.mode must be passthrough or "
				     "rewrite_sni",
				     name);
	if (!one_of(r->visibility, visibilities) || !one_of(r->on_failure, failures))
		return policy_errorf(err, file, r->pos,
				     "connect_redirects \"%s\": bad visibility or on_failure",
				     name);
	return 0;
}

int policy_compile_redirects(const char *file, struct policy *p, struct policy_error *err)
{
	struct dns_redirect *d = p->dns_redirects.v;
	struct connect_redirect *c = p->connect_redirects.v;
	int e;

	for (size_t i = 0; i < p->dns_redirects.n; i++)
		if ((e = compile_dns(file, &d[i], err)) < 0)
			return e;
	for (size_t i = 0; i < p->connect_redirects.n; i++)
		if ((e = compile_connect(file, &c[i], err)) < 0)
			return e;
	return 0;
}

bool policy_match_dns_redirect(const struct policy *p, const char *name,
			       struct dns_redirect_match *out)
{
	const struct dns_redirect *d = p->dns_redirects.v;
	char buf[1024];
	size_t n = strlen(name);

	if (n && name[n - 1] == '.')
		n--;
	if (lower_copy(buf, sizeof(buf), name, n) < 0)
		return false;
	for (size_t i = 0; i < p->dns_redirects.n; i++) {
		if (policy_regex_match(d[i].re, buf, n) <= 0)
			continue;
		*out =
		    (struct dns_redirect_match){d[i].name ? d[i].name : "", d[i].resolve_to,
						d[i].visibility ? d[i].visibility : "silent",
						d[i].on_failure ? d[i].on_failure : "fail_closed"};
		return true;
	}
	return false;
}

bool policy_match_connect_redirect(const struct policy *p, const char *host, int port,
				   struct connect_redirect_match *out)
{
	const struct connect_redirect *c = p->connect_redirects.v;
	char buf[1100];
	int n = snprintf(buf, sizeof(buf), "%s:%d", host, port);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return false;
	for (size_t i = 0; i < p->connect_redirects.n; i++) {
		if (policy_regex_match(c[i].re, buf, (size_t)n) <= 0)
			continue;
		*out = (struct connect_redirect_match){
		    .rule = c[i].name ? c[i].name : "",
		    .redirect_to = c[i].redirect_to,
		    .redirect_to_unix = c[i].redirect_to_unix,
		    .tls_mode = c[i].tls.mode,
		    .tls_sni = c[i].tls.sni,
		    .visibility = c[i].visibility ? c[i].visibility : "silent",
		    .message = c[i].message,
		    .on_failure = c[i].on_failure ? c[i].on_failure : "fail_closed",
		};
		return true;
	}
	return false;
}

void policy_get_limits(const struct policy *p, struct policy_limits *out)
{
	const struct resource_limits_raw *l = &p->resource_limits;

	*out = (struct policy_limits){
	    l->max_memory_mb,	  l->memory_swap_max_mb, l->cpu_quota_percent,
	    l->disk_read_bps_max, l->disk_write_bps_max, l->net_bandwidth_mbps,
	    l->pids_max,	  l->command_timeout_ms, l->session_timeout_ms,
	    l->idle_timeout_ms,
	};
}

void policy_get_audit(const struct policy *p, struct policy_audit *out)
{
	const struct audit_raw *a = &p->audit;

	*out = (struct policy_audit){a->log_allowed,	a->log_denied,	   a->log_approved,
				     a->include_stdout, a->include_stderr, a->include_file_content,
				     a->retention_days};
}
