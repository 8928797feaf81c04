/*
 * Vector 12: a raw IP socket (IPPROTO_RAW: the caller writes the IP header)
 * sends a UDP datagram whose header names the denied address, to an allowed
 * sockaddr (127.0.0.1): the route is the sockaddr's, the destination is the
 * header's; on loopback every 127/8 address is local, so the denied listener
 * gets it and echoes to our source port, where a plain UDP socket waits.
 * success = the echo comes back from the denied address.
 * expect: ptrace_network
 */
#include "esc.h"

#include <netinet/ip.h>
#include <netinet/udp.h>

int main(void)
{
	struct sockaddr_in deny = esc_deny_sin();
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in via = me;
	socklen_t len = sizeof(me);
	unsigned char pkt[sizeof(struct iphdr) + sizeof(struct udphdr) + 4];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int r = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);

	if (u < 0 || bind(u, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    getsockname(u, (struct sockaddr *)&me, &len) < 0)
		esc_broken("udp socket: %s", strerror(errno));
	if (r < 0)
		esc_blocked("socket(SOCK_RAW, IPPROTO_RAW): %s", strerror(errno));
	memset(pkt, 0, sizeof(pkt));
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(sizeof(pkt));
	ip->saddr = me.sin_addr.s_addr;
	ip->daddr = deny.sin_addr.s_addr;
	udp->source = me.sin_port;
	udp->dest = deny.sin_port;
	udp->len = htons(sizeof(struct udphdr) + 4);
	memcpy(udp + 1, "ping", 4);
	if (sendto(r, pkt, sizeof(pkt), 0, (struct sockaddr *)&via, sizeof(via)) < 0)
		esc_blocked("raw sendto: %s", strerror(errno));
	if (esc_recv_contains(u, ESC_BANNER, 2000))
		esc_success("a raw IP datagram reached the denied address (echo received)");
	esc_blocked("no echo from the denied address");
}
