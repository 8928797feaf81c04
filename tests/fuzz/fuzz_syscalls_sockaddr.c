/* sockaddr_decode on hostile bytes: never reads past len, always terminates
 * its strings, and IPv4-mapped IPv6 comes out as IPv4. */
#include "compat.h"

#include <stdio.h>
#include <sys/socket.h>

#include "syscalls/op.h"
#include "syscalls/sockaddr.h"

static struct op op;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *copy = malloc(size ? size : 1); /* exact size: ASan sees overreads */

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	op_reset(&op);
	if (sockaddr_decode(copy, size, &op) == 0) {
		if (memchr(op.addr, 0, sizeof(op.addr)) == NULL ||
		    memchr(op.p1.raw, 0, sizeof(op.p1.raw)) == NULL)
			abort();
		if (op.family == AF_INET6 && strncmp(op.addr, "::ffff:", 7) == 0 &&
		    strchr(op.addr + 7, '.'))
			abort(); /* mapped addresses are reported as IPv4 */
	}
	free(copy);
	return 0;
}
