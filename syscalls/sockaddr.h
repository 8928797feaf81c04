#ifndef AGENTSH_SOCKADDR_H
#define AGENTSH_SOCKADDR_H

#include <stddef.h>

struct op;

/* Decodes a sockaddr of `len` bytes into op->family, addr, port (AF_INET,
 * AF_INET6 with IPv4-mapped given as IPv4) or op->p1 + abstract (AF_UNIX,
 * abstract names as "@name"; a path name is stored raw, to be resolved by the
 * caller). Returns 0, or -EINVAL for a malformed address. Pure: fuzzable. */
int sockaddr_decode(const void *buf, size_t len, struct op *op);

/* The address a unix path socket is reached by once decided (connect and
 * the sends): the resolved name op->p1 holds, absolute, so the kernel's own
 * lookup cannot land elsewhere through another cwd or a symlink flipped
 * after the decision. Writes the sockaddr_un to out (at least 110 bytes)
 * and returns its length; 0 when op is no resolved path socket (send the
 * address as given); -ENAMETOOLONG when the name does not fit sun_path and
 * differs from the one given. */
long sockaddr_unix_pinned(const struct op *op, void *out, size_t max);
/* A sockaddr_un for path in out: its length, or -ENAMETOOLONG. */
long sockaddr_unix_named(const char *path, void *out, size_t max);

#endif /* !AGENTSH_SOCKADDR_H */
