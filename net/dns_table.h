/* IP -> domain table with expiry, filled by the DNS proxy. Internal to net/. */
#ifndef AGENTSH_NET_DNS_TABLE_H
#define AGENTSH_NET_DNS_TABLE_H

#include <stddef.h>
#include <stdint.h>

struct dns_table;

/* At most max_entries live entries; the one expiring soonest is evicted. */
struct dns_table *dns_table_new(size_t max_entries);
void dns_table_free(struct dns_table *t);
/* addr is 4 (IPv4) or 16 bytes; IPv4-mapped IPv6 is stored as IPv4.
 * A newer answer for the same address replaces the name. Returns 0 or -errno. */
int dns_table_put(struct dns_table *t, const uint8_t *addr, size_t addrlen, const char *domain,
		  uint64_t ttl_ms);
/* Copy the live name for a textual IP into out; returns 0, -ENOENT or -EINVAL. */
int dns_table_get(struct dns_table *t, const char *ip, char *out, size_t outlen);
/* Number of live entries (expired ones are dropped first). */
size_t dns_table_count(struct dns_table *t);

#endif /* !AGENTSH_NET_DNS_TABLE_H */
