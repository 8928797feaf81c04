#ifndef AGENTSH_SOCKADDR_H
#define AGENTSH_SOCKADDR_H

#include <stddef.h>

struct op;

/* Decodes a sockaddr of `len` bytes into op->family, addr, port (AF_INET,
 * AF_INET6 with IPv4-mapped given as IPv4) or op->p1 + abstract (AF_UNIX,
 * abstract names as "@name"; a path name is stored raw, to be resolved by the
 * caller). Returns 0, or -EINVAL for a malformed address. Pure: fuzzable. */
int sockaddr_decode(const void *buf, size_t len, struct op *op);

#endif /* !AGENTSH_SOCKADDR_H */
