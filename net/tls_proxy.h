/*
 * connect_redirects with tls.mode rewrite_sni, done the only way a TLS
 * handshake survives it: interception. The tracer points a matching connect()
 * at a loopback listener of this proxy (one per rule). The proxy terminates
 * the program's TLS with a leaf certificate for the name the program asked
 * for, issued by a per-session CA, and opens its own TLS connection to
 * redirect_to with SNI = tls.sni, verifying that server for tls.sni. Then it
 * relays bytes both ways. Any failure closes the program's handshake with an
 * alert (fail closed) and reports an event.
 *
 * The session CA's key exists only in memory. Its certificate, and a bundle
 * of the system CAs plus it, are written to a private directory so the traced
 * command can trust them (tlsproxy_env_vars()).
 *
 * Threads: one listener thread, one thread per intercepted connection (at
 * most max_conns). tlsproxy_route() may be called from any thread.
 */
#ifndef AGENTSH_NET_TLS_PROXY_H
#define AGENTSH_NET_TLS_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "net.h"

/* Called from a proxy thread with one event (JSON object). Thread-safe. */
typedef void (*tlsproxy_event_fn)(void *ctx, const char *event_json);

struct tlsproxy_config {
	const char *session_id; /* names the CA; may be NULL */
	/* Extra PEM file trusted for upstream servers besides the system CAs
	 * (AGENTSH_TLS_UPSTREAM_CA); NULL = system CAs only. */
	const char *upstream_ca_file;
	/* Base bundle copied into the command's bundle; NULL = OpenSSL's
	 * default file ($SSL_CERT_FILE or /usr/lib/ssl/cert.pem). */
	const char *system_ca_file;
	const char *tmpdir; /* where the CA files go; NULL = $TMPDIR or /tmp */
	tlsproxy_event_fn on_event;
	void *event_ctx;
	unsigned handshake_timeout_ms; /* each handshake and upstream connect; default 10000 */
	unsigned max_conns;	       /* concurrent intercepted connections; default 64 */
};

struct tlsproxy;

/* Generates the session CA, writes its files, starts the listener thread.
 * Returns 0 or -errno. */
int tlsproxy_start(const struct tlsproxy_config *cfg, struct tlsproxy **out);
/* The loopback port serving the rewrite_sni redirect m (created on first use,
 * the same port for the same rule afterwards). Returns the port or -errno
 * (-EINVAL: not a rewrite_sni redirect to an address; -ENOSPC: too many). */
int tlsproxy_route(struct tlsproxy *tp, const struct net_connect_redirect *m);
/* Paths of the session CA (PEM) and of the bundle (system CAs + session CA). */
const char *tlsproxy_ca_file(const struct tlsproxy *tp);
const char *tlsproxy_ca_bundle(const struct tlsproxy *tp);
/* "KEY=VALUE" strings that make the session CA trusted by common TLS stacks
 * (SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE, GIT_SSL_CAINFO,
 * NODE_EXTRA_CA_CERTS), NULL-terminated, owned by tp. */
const char *const *tlsproxy_env_vars(const struct tlsproxy *tp);
/* Ends every connection, stops the thread, removes the CA files. NULL ok. */
void tlsproxy_stop(struct tlsproxy *tp);

/* ---- pure parsers (net/tls_ext.c): ClientHello extension bodies ---------- */

/* host_name of a server_name extension body (RFC 6066 §3), lowercased.
 * Returns 0, -ENOENT (no host_name entry), -EINVAL (malformed or not a
 * valid host name), -ENOSPC (cap too small). */
int net_tls_ext_server_name(const uint8_t *p, size_t n, char *out, size_t cap);
/* The protocol list of an ALPN extension body (RFC 7301 §3.1): *list points
 * into p at the wire-format list (len-prefixed names, each 1..255 bytes).
 * Returns 0 or -EINVAL. */
int net_tls_ext_alpn(const uint8_t *p, size_t n, const uint8_t **list, size_t *listlen);
/* A DNS host name fit for a certificate: LDH labels of 1..63 bytes (also
 * '_' and a leading "*." is refused), at most 253 bytes, no trailing dot. */
bool net_tls_hostname_ok(const char *name, size_t n);
/* Finds proto (len bytes) in a wire-format ALPN list; returns a pointer to
 * its name inside list or NULL. */
const uint8_t *net_tls_alpn_find(const uint8_t *list, size_t listlen, const uint8_t *proto,
				 size_t len);

#endif /* !AGENTSH_NET_TLS_PROXY_H */
