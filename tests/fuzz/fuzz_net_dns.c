/* DNS packets as the proxy gets them from traced programs and upstreams. */
#include "compat.h"

#include <stdio.h>

#include "net/dns_packet.h"

static void fuzz_answer(void *ctx, int family, const uint8_t *addr, uint32_t ttl)
{
	volatile uint8_t sink = addr[family == 2 ? 3 : 15];

	(void)ctx;
	(void)sink;
	(void)ttl;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_question q;
	uint8_t out[1024];
	static const uint8_t addr[16] = { 127, 0, 0, 1 };

	(void)dns_packet_answers(data, size, fuzz_answer, NULL);
	(void)dns_packet_truncated(data, size, out, sizeof(out));
	if (dns_packet_question(data, size, &q) == 0) {
		if (strlen(q.name) >= sizeof(q.name) || q.qend > size)
			abort();
		(void)dns_packet_udp_size(data, size, &q);
		(void)dns_packet_reply_error(data, &q, 3, out, sizeof(out));
		(void)dns_packet_reply_address(data, &q, addr, 4, 60, out, sizeof(out));
		(void)dns_packet_reply_address(data, &q, addr, 16, 60, out, 40);
	}
	return 0;
}
