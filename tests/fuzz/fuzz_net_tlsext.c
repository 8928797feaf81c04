/* ClientHello extension bodies as the TLS proxy reads them (server_name,
 * ALPN): input from a traced program. A host name that parses must pass the
 * certificate host-name check; a parsed ALPN list must stay inside the input
 * and every name in it must be found again. */
#include "compat.h"

#include "net/tls_proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[256];
	const uint8_t *list;
	size_t len, off = 0;

	if (net_tls_ext_server_name(data, size, name, sizeof(name)) == 0 &&
	    !net_tls_hostname_ok(name, strlen(name)))
		abort();
	(void)net_tls_hostname_ok((const char *)data, size);
	if (net_tls_ext_alpn(data, size, &list, &len) != 0)
		return 0;
	if (list < data || list + len > data + size)
		abort();
	while (off < len) {
		size_t l = list[off];

		if (net_tls_alpn_find(list, len, list + off + 1, l) == NULL)
			abort();
		off += 1 + l;
	}
	return 0;
}
