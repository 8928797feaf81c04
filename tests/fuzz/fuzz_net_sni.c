/* TLS ClientHello as a traced program writes it on a redirected connection. */
#include "compat.h"

#include <sys/types.h>

#include "net/net.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[70000];
	char sni[256];
	ssize_t n;

	(void)net_tls_client_hello_sni(data, size, sni, sizeof(sni));
	n = net_tls_rewrite_sni(data, size, "rewritten.example.test", out, sizeof(out));
	if (n < 0)
		return 0;
	/* a rewrite that succeeded must read back as the new name */
	if (net_tls_client_hello_sni(out, (size_t)n, sni, sizeof(sni)) != 0 ||
	    strcmp(sni, "rewritten.example.test") != 0)
		abort();
	(void)net_tls_rewrite_sni(data, size, "x", out, (size_t)size / 2);
	return 0;
}
