/*
 * net/ public interface: sockaddr helpers, dns_redirects / connect_redirects
 * matching, TLS ClientHello SNI rewriting, and the in-process DNS proxy that
 * gives the tracer the name behind an IP.
 *
 * Everything except dnsproxy_* is pure (no I/O, no threads). The DNS proxy
 * runs in its own thread; dnsproxy_domain_for_ip() and dnsproxy_note() are
 * safe to call from any thread. Callbacks in struct dnsproxy_config are
 * called from the proxy thread.
 */
#ifndef AGENTSH_NET_H
#define AGENTSH_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

struct policy;
struct verdict;

/* ---- sockaddr helpers (net/sockaddr.c) ---------------------------------- */

/* Textual IP ("1.2.3.4", "::1") and port of an AF_INET/AF_INET6 address.
 * IPv4-mapped IPv6 (::ffff:1.2.3.4) is reported as IPv4. Bounded by len.
 * Returns 0, -EAFNOSUPPORT for other families, -EINVAL if len is short. */
int net_sockaddr_format(const struct sockaddr *sa, socklen_t len, char *ip, size_t iplen,
			int *port);
/* "ip:port" or "[ipv6]:port" (or a bare IP with default_port) -> sockaddr.
 * IP literals only, never a lookup. Returns 0 or -EINVAL. */
int net_sockaddr_parse(const char *hostport, int default_port, struct sockaddr_storage *ss,
		       socklen_t *len);
/* Canonical textual form of an IP literal (IPv4-mapped -> IPv4, IPv6
 * compressed lowercase). Returns 0 or -EINVAL. */
int net_ip_normalize(const char *ip, char *out, size_t outlen);
/* True for an AF_INET/AF_INET6 address with port 53 (a DNS server). */
bool net_sockaddr_is_dns(const struct sockaddr *sa, socklen_t len);
/* Replace the address of sa (keeping its family when possible) by ip:port:
 * for an AF_INET6 socket an IPv4 target is written IPv4-mapped. Used to
 * point a tracee's DNS traffic at the proxy. Returns 0 or -EINVAL. */
int net_sockaddr_retarget(struct sockaddr_storage *sa, socklen_t *len, const char *ip, int port);

/* ---- redirect rules (net/redirects.c) ----------------------------------- */

enum net_visibility { NET_VIS_AUDIT_ONLY = 0, NET_VIS_SILENT, NET_VIS_WARN };
enum net_on_failure { NET_FAIL_CLOSED = 0, NET_FAIL_OPEN, NET_FAIL_RETRY_ORIGINAL };
enum net_tls_mode { NET_TLS_PASSTHROUGH = 0, NET_TLS_REWRITE_SNI };

const char *net_visibility_name(enum net_visibility v);
const char *net_on_failure_name(enum net_on_failure f);
const char *net_tls_mode_name(enum net_tls_mode m);

/* One dns_redirects entry as written in the policy (compat.md §1). NULL
 * visibility / on_failure mean audit_only / fail_closed. */
struct net_dns_redirect_rule {
	const char *name;
	const char *match;      /* regex (PCRE2), full-string match, on the lowercased name */
	const char *resolve_to; /* IPv4 or IPv6 literal */
	const char *visibility; /* silent | audit_only | warn */
	const char *on_failure; /* fail_closed | fail_open | retry_original */
};

/* One connect_redirects entry (compat.md §1). Exactly one of redirect_to
 * ("ip:port", "[ipv6]:port" or "host:port", a host resolved once when added)
 * and redirect_to_unix. */
struct net_connect_redirect_rule {
	const char *name;
	const char *match; /* regex on "host:port" or "host" (any port), full match */
	const char *redirect_to;
	const char *redirect_to_unix;
	const char *tls_mode; /* passthrough (default) | rewrite_sni */
	const char *tls_sni;  /* required with rewrite_sni */
	const char *visibility;
	const char *message;
	const char *on_failure;
};

struct net_redirects;

struct net_redirects *net_redirects_new(void);
void net_redirects_free(struct net_redirects *r);
/* Compile and append a rule (first match wins in insertion order). Returns 0,
 * -EINVAL with err filled ("dns_redirects[name]: ..."), or -ENOMEM. */
int net_redirects_add_dns(struct net_redirects *r, const struct net_dns_redirect_rule *rule,
			  char *err, size_t errlen);
int net_redirects_add_connect(struct net_redirects *r,
			      const struct net_connect_redirect_rule *rule, char *err,
			      size_t errlen);

/* A matched dns_redirect. Pointers live as long as the net_redirects. */
struct net_dns_redirect {
	const char *rule;
	const char *resolve_to; /* normalized IP literal */
	int family;             /* AF_INET or AF_INET6 of resolve_to */
	enum net_visibility visibility;
	enum net_on_failure on_failure;
};
/* First dns_redirects rule matching domain (any case, trailing dot ignored). */
bool net_dns_redirect_match(const struct net_redirects *r, const char *domain,
			    struct net_dns_redirect *out);

/* A matched connect_redirect. Pointers live as long as the net_redirects. */
struct net_connect_redirect {
	const char *rule;
	struct sockaddr_storage addr; /* redirect_to target; addrlen 0 for a unix target */
	socklen_t addrlen;
	const char *redirect_to;      /* as written; NULL for a unix target */
	const char *redirect_to_unix; /* NULL for an IP target */
	enum net_tls_mode tls_mode;
	const char *sni; /* rewrite_sni: the new server name */
	enum net_visibility visibility;
	enum net_on_failure on_failure;
	const char *message;
};
/* host is the domain behind the address when known, else the IP. The regex
 * is tried on "host:port" then on "host". */
bool net_connect_redirect_match(const struct net_redirects *r, const char *host, int port,
				struct net_connect_redirect *out);

/* ---- TLS ClientHello (net/tls_sni.c); hostile input, every length bounded - */

/* SNI host_name of the ClientHello at the start of buf (one TLS record).
 * Returns 0, -ENOENT (no server_name), -EAGAIN (record incomplete: need more
 * bytes), -EINVAL (not a ClientHello / malformed), -ENOSPC (sni too small). */
int net_tls_client_hello_sni(const uint8_t *buf, size_t len, char *sni, size_t snicap);
/* Copy buf to out with the ClientHello's SNI replaced by new_sni (added when
 * absent), fixing the record, handshake, extensions and server_name list
 * lengths. Bytes after the ClientHello record are copied unchanged. Returns
 * the new length or -errno as above (-ENOSPC: outcap too small; -EOPNOTSUPP:
 * ClientHello spans several records). */
ssize_t net_tls_rewrite_sni(const uint8_t *buf, size_t len, const char *new_sni, uint8_t *out,
			    size_t outcap);

/* ---- DNS proxy (net/dnsproxy.c) ----------------------------------------- */

/* Called in the proxy thread for each query: fill v as policy_decide_network()
 * would for {operation "dns", domain}. */
typedef void (*dnsproxy_decide_fn)(void *ctx, const char *domain, struct verdict *v);
/* Called in the proxy thread with one event (a JSON object, compat.md §5
 * fields the proxy knows: type, source, domain, operation, policy, fields).
 * The receiver adds id, timestamp, session_id... */
typedef void (*dnsproxy_event_fn)(void *ctx, const char *event_json);

struct dnsproxy_config {
	const char *listen_addr; /* NULL = "127.0.0.1" */
	int port;                /* 0 = ephemeral (see dnsproxy_port) */
	/* "host:port" IP literals, NULL-terminated; NULL or empty = the
	 * nameservers of /etc/resolv.conf (sandbox.network.dns_upstreams). */
	const char *const *upstreams;
	const struct net_redirects *redirects; /* dns_redirects; may be NULL */
	dnsproxy_decide_fn decide;             /* NULL = allow every query */
	void *decide_ctx;
	dnsproxy_event_fn on_event; /* may be NULL */
	void *event_ctx;
	int deny_rcode;              /* 3 NXDOMAIN (default when 0) or 5 REFUSED */
	unsigned ttl_min_s;          /* table entry lifetime floor; default 5 (0 = default) */
	unsigned ttl_max_s;          /* ceiling; default 86400 */
	bool ttl_exact;              /* tests: use answer TTLs as they are (no floor) */
	unsigned upstream_timeout_ms; /* per try; default 2000 */
};

/* Makes every query a policy_decide_network(p, {operation "dns", domain})
 * (net/dns_policy.c; links policy/). */
void dnsproxy_config_use_policy(struct dnsproxy_config *cfg, const struct policy *p);

struct dnsproxy;

/* Bind UDP and TCP on listen_addr:port, start the thread. Returns 0 or -errno
 * (-EADDRINUSE, -EINVAL for a bad upstream). */
int dnsproxy_start(const struct dnsproxy_config *cfg, struct dnsproxy **out);
/* Port the proxy listens on (UDP and TCP). */
int dnsproxy_port(const struct dnsproxy *d);
/* The name most recently resolved to ip (any textual form; IPv4-mapped is
 * IPv4) whose TTL has not expired: copied to out and returned; NULL if none. */
const char *dnsproxy_domain_for_ip(struct dnsproxy *d, const char *ip, char *out,
				   size_t outlen);
/* Record ip -> domain for ttl_s seconds (e.g. a name the tracer learned
 * elsewhere). Returns 0 or -EINVAL. */
int dnsproxy_note(struct dnsproxy *d, const char *ip, const char *domain, unsigned ttl_s);
/* Stop the thread, close the sockets, free. Accepts NULL. */
void dnsproxy_stop(struct dnsproxy *d);

#endif /* !AGENTSH_NET_H */
