/* DNS proxy internals shared by dnsproxy.c (thread, sockets) and
 * dnsproxy_query.c (per-query logic). Internal to net/. */
#ifndef AGENTSH_NET_DNSPROXY_INT_H
#define AGENTSH_NET_DNSPROXY_INT_H

#include <ares.h>
#include <pthread.h>
#include <sys/socket.h>

#include "dns_packet.h"
#include "dns_table.h"
#include "net.h"

#define PROXY_MAX_TCP 64
#define PROXY_MAX_ARES_FDS 32
#define PROXY_TABLE_MAX 16384
#define PROXY_TCP_IDLE_MS 10000

/* Where a reply goes. */
struct reply_to {
	bool tcp;
	uint64_t conn_id; /* TCP */
	struct sockaddr_storage peer; /* UDP (and the event's client) */
	socklen_t peerlen;
	size_t udp_max;
};

struct tcp_conn {
	int fd;
	uint64_t id;
	uint64_t last_ms;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	size_t have;
	uint8_t buf[2 + 65535];
};

struct ares_fd {
	int fd;
	bool r, w;
};

struct dnsproxy {
	struct dnsproxy_config cfg;
	int udp_fd, tcp_fd, wake_fd, port;
	pthread_t thread;
	bool thread_started;
	ares_channel ch;
	struct dns_table *table;
	struct ares_fd afd[PROXY_MAX_ARES_FDS];
	size_t nafd;
	struct tcp_conn *tcp[PROXY_MAX_TCP];
	uint64_t next_conn_id;
	uint8_t rx[65536];
};

/* dnsproxy_query.c */
void dnsproxy_handle_query(struct dnsproxy *d, const uint8_t *pkt, size_t len,
			   const struct reply_to *to);

/* dnsproxy.c */
void dnsproxy_send_reply(struct dnsproxy *d, const struct reply_to *to, const uint8_t *buf,
			 size_t len);
uint64_t dnsproxy_now_ms(void);

#endif /* !AGENTSH_NET_DNSPROXY_INT_H */
