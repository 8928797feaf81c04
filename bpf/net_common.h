/* Shared between bpf/net.bpf.c and enforce/ebpf.c: the rule table and the event record. */
#ifndef AGENTSH_BPF_NET_COMMON_H
#define AGENTSH_BPF_NET_COMMON_H

#define EBPF_MAX_RULES 32
#define EBPF_MAX_CIDRS 8
#define EBPF_MAX_PORTS 8

enum ebpf_verdict { EBPF_ALLOW = 0, EBPF_DENY = 1 };
enum ebpf_op { EBPF_OP_CONNECT = 0, EBPF_OP_SENDMSG = 1 };

/* One CIDR as four 32-bit words (network order) with its mask; IPv4 uses word 3 only. */
struct ebpf_cidr {
	__u32 family; /* 2 = AF_INET, 10 = AF_INET6 */
	__u32 net[4];
	__u32 mask[4];
};

/* One network_rules entry (first match wins): empty port / cidr lists match everything. */
struct ebpf_rule {
	__u32 verdict;
	__u32 nports;
	__u32 ncidrs;
	__u16 ports[EBPF_MAX_PORTS];
	struct ebpf_cidr cidrs[EBPF_MAX_CIDRS];
};

struct ebpf_config {
	__u32 nrules;
	__u32 default_verdict;
	__u32 proxy_ip4;   /* network order; the DNS proxy the tracer sends port 53 to */
	__u32 proxy_port;  /* host order; 0 = none */
};

/* One in-kernel decision, sent through the ring buffer. */
struct ebpf_event {
	__u32 tgid, tid;
	__u32 family;
	__u32 port;    /* host order */
	__u32 addr[4]; /* network order; IPv4 in addr[3] */
	__u32 op;
	__u32 verdict;
	__s32 rule;    /* index, -1 = the default */
};

#endif /* !AGENTSH_BPF_NET_COMMON_H */
