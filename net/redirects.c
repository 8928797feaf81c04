/*
 * dns_redirects and connect_redirects (compat.md §1): compiled once, matched
 * with full-string PCRE2 regexes (as the reference's Go regexp, anchored),
 * first match wins. Matching is read-only and thread-safe.
 */
#include "compat.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <arpa/inet.h>
#include <netdb.h>
#include <pcre2.h>
#include <stdio.h>

#include "net.h"

struct dns_rule {
	char *name;
	pcre2_code *re;
	char resolve_to[64];
	int family;
	enum net_visibility visibility;
	enum net_on_failure on_failure;
};

struct connect_rule {
	char *name;
	pcre2_code *re;
	struct net_connect_redirect target; /* strings below are owned copies */
	char *redirect_to;
	char *redirect_to_unix;
	char *sni;
	char *message;
};

struct net_redirects {
	struct dns_rule *dns;
	size_t ndns;
	struct connect_rule *conn;
	size_t nconn;
};

static const char *const visibility_names[] = {
	[NET_VIS_AUDIT_ONLY] = "audit_only", [NET_VIS_SILENT] = "silent", [NET_VIS_WARN] = "warn"
};
static const char *const on_failure_names[] = {
	[NET_FAIL_CLOSED] = "fail_closed",
	[NET_FAIL_OPEN] = "fail_open",
	[NET_FAIL_RETRY_ORIGINAL] = "retry_original",
};
static const char *const tls_mode_names[] = {
	[NET_TLS_PASSTHROUGH] = "passthrough", [NET_TLS_REWRITE_SNI] = "rewrite_sni"
};

const char *net_visibility_name(enum net_visibility v)
{
	return (size_t)v < ARRAY_SIZE(visibility_names) ? visibility_names[v] : NULL;
}

const char *net_on_failure_name(enum net_on_failure f)
{
	return (size_t)f < ARRAY_SIZE(on_failure_names) ? on_failure_names[f] : NULL;
}

const char *net_tls_mode_name(enum net_tls_mode m)
{
	return (size_t)m < ARRAY_SIZE(tls_mode_names) ? tls_mode_names[m] : NULL;
}

/* Index of name in table; NULL/"" gives 0 (the default). -1 if unknown. */
static int enum_parse(const char *const *table, size_t n, const char *name)
{
	if (!name || !*name)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (strcmp(table[i], name) == 0)
			return (int)i;
	return -1;
}
#define ENUM_PARSE(table, name) enum_parse(table, ARRAY_SIZE(table), name)

struct net_redirects *net_redirects_new(void)
{
	return calloc(1, sizeof(struct net_redirects));
}

void net_redirects_free(struct net_redirects *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->ndns; i++) {
		free(r->dns[i].name);
		pcre2_code_free(r->dns[i].re);
	}
	for (size_t i = 0; i < r->nconn; i++) {
		struct connect_rule *c = &r->conn[i];

		free(c->name);
		pcre2_code_free(c->re);
		free(c->redirect_to);
		free(c->redirect_to_unix);
		free(c->sni);
		free(c->message);
	}
	free(r->dns);
	free(r->conn);
	free(r);
}

static pcre2_code *regex_compile(const char *kind, const char *name, const char *pattern,
				 char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE at;
	pcre2_code *re;

	if (!pattern || !*pattern) {
		snprintf(err, errlen, "%s[%s]: match is required", kind, name);
		return NULL;
	}
	re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
			   PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_CASELESS | PCRE2_UTF, &code,
			   &at, NULL);
	if (!re) {
		PCRE2_UCHAR msg[256];

		pcre2_get_error_message(code, msg, sizeof(msg));
		snprintf(err, errlen, "%s[%s]: match: %s at offset %zu", kind, name, (char *)msg,
			 (size_t)at);
	}
	return re;
}

static bool regex_match(const pcre2_code *re, const char *s)
{
	pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
	int rc;

	if (!md)
		return false;
	rc = pcre2_match(re, (PCRE2_SPTR)s, strlen(s), 0, 0, md, NULL);
	pcre2_match_data_free(md);
	return rc >= 0;
}

static int common_enums(const char *kind, const char *name, const char *vis, const char *fail,
			enum net_visibility *v, enum net_on_failure *f, char *err, size_t errlen)
{
	int iv = ENUM_PARSE(visibility_names, vis), jf = ENUM_PARSE(on_failure_names, fail);

	if (iv < 0) {
		snprintf(err, errlen, "%s[%s]: visibility must be silent, audit_only or warn", kind,
			 name);
		return -EINVAL;
	}
	if (jf < 0) {
		snprintf(err, errlen,
			 "%s[%s]: on_failure must be fail_closed, fail_open or retry_original",
			 kind, name);
		return -EINVAL;
	}
	*v = (enum net_visibility)iv;
	*f = (enum net_on_failure)jf;
	return 0;
}

int net_redirects_add_dns(struct net_redirects *r, const struct net_dns_redirect_rule *rule,
			  char *err, size_t errlen)
{
	const char *name = rule->name ? rule->name : "";
	struct dns_rule d = { 0 };
	struct sockaddr_storage ss;
	socklen_t sl;

	if (common_enums("dns_redirects", name, rule->visibility, rule->on_failure,
			 &d.visibility, &d.on_failure, err, errlen) < 0)
		return -EINVAL;
	if (!rule->resolve_to || net_ip_normalize(rule->resolve_to, d.resolve_to, sizeof(d.resolve_to)) < 0 ||
	    net_sockaddr_parse(d.resolve_to, 0, &ss, &sl) < 0) {
		snprintf(err, errlen, "dns_redirects[%s]: resolve_to must be an IP address", name);
		return -EINVAL;
	}
	d.family = ss.ss_family;
	d.re = regex_compile("dns_redirects", name, rule->match, err, errlen);
	if (!d.re)
		return -EINVAL;
	struct dns_rule *n = realloc(r->dns, (r->ndns + 1) * sizeof(*n));

	d.name = strdup(name);
	if (!n || !d.name) {
		free(d.name);
		pcre2_code_free(d.re);
		if (n)
			r->dns = n;
		return -ENOMEM;
	}
	r->dns = n;
	r->dns[r->ndns++] = d;
	return 0;
}

/* "host:port" with a host name: resolved once, now (policy load time). */
static int connect_target_resolve(const char *hostport, struct sockaddr_storage *ss,
				  socklen_t *len)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;

	if (net_sockaddr_parse(hostport, 0, ss, len) == 0)
		return ((struct sockaddr_in *)ss)->sin_port ? 0 : -EINVAL; /* same offset in sin6 */
	if (!colon || colon == hostport || (size_t)(colon - hostport) >= sizeof(host))
		return -EINVAL;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = '\0';
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0 || !ai)
		return -EINVAL;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*len = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static int connect_rule_target(struct connect_rule *c, const struct net_connect_redirect_rule *rule,
			       const char *name, char *err, size_t errlen)
{
	struct net_connect_redirect *t = &c->target;

	if (!!rule->redirect_to == !!rule->redirect_to_unix) {
		snprintf(err, errlen,
			 "connect_redirects[%s]: exactly one of redirect_to and redirect_to_unix",
			 name);
		return -EINVAL;
	}
	if (rule->redirect_to_unix) {
		if (strlen(rule->redirect_to_unix) >= 108 || !rule->redirect_to_unix[0]) {
			snprintf(err, errlen, "connect_redirects[%s]: redirect_to_unix too long",
				 name);
			return -EINVAL;
		}
		return 0;
	}
	if (!strchr(rule->redirect_to, ':') ||
	    connect_target_resolve(rule->redirect_to, &t->addr, &t->addrlen) < 0) {
		snprintf(err, errlen,
			 "connect_redirects[%s]: redirect_to \"%s\" is not a reachable host:port",
			 name, rule->redirect_to);
		return -EINVAL;
	}
	return 0;
}

static int connect_rule_tls(struct connect_rule *c, const struct net_connect_redirect_rule *rule,
			    const char *name, char *err, size_t errlen)
{
	int m = ENUM_PARSE(tls_mode_names, rule->tls_mode);

	if (m < 0) {
		snprintf(err, errlen, "connect_redirects[%s]: tls.mode must be passthrough or rewrite_sni",
			 name);
		return -EINVAL;
	}
	c->target.tls_mode = (enum net_tls_mode)m;
	if (m == NET_TLS_REWRITE_SNI && (!rule->tls_sni || !*rule->tls_sni ||
					 strlen(rule->tls_sni) > 255)) {
		snprintf(err, errlen, "connect_redirects[%s]: tls.sni is required with rewrite_sni",
			 name);
		return -EINVAL;
	}
	return 0;
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		*oom = true;
	return d;
}

int net_redirects_add_connect(struct net_redirects *r,
			      const struct net_connect_redirect_rule *rule, char *err, size_t errlen)
{
	const char *name = rule->name ? rule->name : "";
	struct connect_rule c = { 0 };
	bool oom = false;

	if (common_enums("connect_redirects", name, rule->visibility, rule->on_failure,
			 &c.target.visibility, &c.target.on_failure, err, errlen) < 0 ||
	    connect_rule_target(&c, rule, name, err, errlen) < 0 ||
	    connect_rule_tls(&c, rule, name, err, errlen) < 0)
		return -EINVAL;
	c.re = regex_compile("connect_redirects", name, rule->match, err, errlen);
	if (!c.re)
		return -EINVAL;
	c.name = dup_or_null(name, &oom);
	c.redirect_to = dup_or_null(rule->redirect_to, &oom);
	c.redirect_to_unix = dup_or_null(rule->redirect_to_unix, &oom);
	c.sni = dup_or_null(c.target.tls_mode == NET_TLS_REWRITE_SNI ? rule->tls_sni : NULL, &oom);
	c.message = dup_or_null(rule->message, &oom);
	struct connect_rule *n = oom ? NULL : realloc(r->conn, (r->nconn + 1) * sizeof(*n));

	if (!n) {
		free(c.name);
		free(c.redirect_to);
		free(c.redirect_to_unix);
		free(c.sni);
		free(c.message);
		pcre2_code_free(c.re);
		return -ENOMEM;
	}
	r->conn = n;
	r->conn[r->nconn++] = c;
	return 0;
}

/* Lowercased copy of domain without a trailing dot. */
static void domain_key(const char *domain, char *out, size_t outlen)
{
	size_t n = 0;

	for (; domain[n] && n + 1 < outlen; n++)
		out[n] = (char)((domain[n] >= 'A' && domain[n] <= 'Z') ? domain[n] + 32 : domain[n]);
	if (n && out[n - 1] == '.')
		n--;
	out[n] = '\0';
}

bool net_dns_redirect_match(const struct net_redirects *r, const char *domain,
			    struct net_dns_redirect *out)
{
	char key[256];

	if (!r || !domain)
		return false;
	domain_key(domain, key, sizeof(key));
	for (size_t i = 0; i < r->ndns; i++) {
		const struct dns_rule *d = &r->dns[i];

		if (!regex_match(d->re, key))
			continue;
		*out = (struct net_dns_redirect){ .rule = d->name,
						  .resolve_to = d->resolve_to,
						  .family = d->family,
						  .visibility = d->visibility,
						  .on_failure = d->on_failure };
		return true;
	}
	return false;
}

bool net_connect_redirect_match(const struct net_redirects *r, const char *host, int port,
				struct net_connect_redirect *out)
{
	char key[256], hostport[300];

	if (!r || !host)
		return false;
	domain_key(host, key, sizeof(key));
	if (strchr(key, ':'))
		snprintf(hostport, sizeof(hostport), "[%s]:%d", key, port);
	else
		snprintf(hostport, sizeof(hostport), "%s:%d", key, port);
	for (size_t i = 0; i < r->nconn; i++) {
		const struct connect_rule *c = &r->conn[i];

		if (!regex_match(c->re, hostport) && !regex_match(c->re, key))
			continue;
		*out = c->target;
		out->rule = c->name;
		out->redirect_to = c->redirect_to;
		out->redirect_to_unix = c->redirect_to_unix;
		out->sni = c->sni;
		out->message = c->message;
		return true;
	}
	return false;
}
