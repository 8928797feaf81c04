// SPDX-License-Identifier: GPL-2.0
/*
 * cgroup/connect4, connect6, sendmsg4, sendmsg6: network_rules that need no
 * domain (CIDRs and ports), first match wins, in the kernel. Each decision
 * goes to user space through the ring buffer for the audit log.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "net_common.h"

#define AF_INET 2
#define AF_INET6 10

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, EBPF_MAX_RULES);
	__type(key, __u32);
	__type(value, struct ebpf_rule);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ebpf_config);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static int cidr_match(const struct ebpf_cidr *c, const struct ebpf_event *e)
{
	if (c->family != e->family)
		return 0;
	for (int w = 0; w < 4; w++)
		if ((e->addr[w] & c->mask[w]) != c->net[w])
			return 0;
	return 1;
}

static int rule_match(const struct ebpf_rule *r, const struct ebpf_event *e)
{
	int ok = r->nports == 0;

	for (__u32 k = 0; k < EBPF_MAX_PORTS && !ok; k++)
		ok = k < r->nports && r->ports[k] == e->port;
	if (!ok)
		return 0;
	ok = r->ncidrs == 0;
	for (__u32 k = 0; k < EBPF_MAX_CIDRS && !ok; k++)
		ok = k < r->ncidrs && cidr_match(&r->cidrs[k], e);
	return ok;
}

/* Kernels before 5.17 (no bpf_loop): the verifier walks this loop rule by
 * rule, 55-120 ms per program at every start. */
static __always_inline void decide_unrolled(const struct ebpf_config *cfg, struct ebpf_event *e)
{
	e->verdict = cfg->default_verdict;
	e->rule = -1;
	for (__u32 i = 0; i < EBPF_MAX_RULES; i++) {
		__u32 key = i;
		const struct ebpf_rule *r;

		if (i >= cfg->nrules)
			break;
		r = bpf_map_lookup_elem(&rules, &key);
		if (r && rule_match(r, e)) {
			e->verdict = r->verdict;
			e->rule = (__s32)i;
			return;
		}
	}
}

struct decide_ctx {
	const struct ebpf_event *e;
	__s32 rule;
	__u32 verdict;
};

static long decide_one(__u32 i, void *arg)
{
	struct decide_ctx *d = arg;
	__u32 key = i;
	const struct ebpf_rule *r = bpf_map_lookup_elem(&rules, &key);

	if (r && rule_match(r, d->e)) {
		d->rule = (__s32)i;
		d->verdict = r->verdict;
		return 1; /* first match wins */
	}
	return 0;
}

/* The same with bpf_loop: one rule's match is verified once (5-10 ms). */
static __always_inline void decide_loop(const struct ebpf_config *cfg, struct ebpf_event *e)
{
	struct decide_ctx d = { .e = e, .rule = -1, .verdict = cfg->default_verdict };
	__u32 n = cfg->nrules;

	if (n > EBPF_MAX_RULES)
		n = EBPF_MAX_RULES;
	bpf_loop(n, decide_one, &d, 0);
	e->verdict = d.verdict;
	e->rule = d.rule;
}

/* 0.0.0.0/8 and :: reach the socket's bound address, or loopback without
 * one: decided as that, as the tracer judges them (tracer_any_destination),
 * so both make the same decision. */
static __always_inline void any_destination(struct bpf_sock_addr *ctx, struct ebpf_event *e, int v6)
{
	struct bpf_sock *sk = ctx->sk;
	int mapped;

	if (!sk)
		return;
	mapped = sk->src_ip6[0] == 0 && sk->src_ip6[1] == 0 && sk->src_ip6[2] == bpf_htonl(0xffff);
	if (e->family == AF_INET) {
		if (bpf_ntohl(e->addr[3]) >> 24)
			return;
		e->addr[3] = bpf_htonl(0x7f000001);
		if (!v6 && sk->src_ip4) {
			e->addr[3] = sk->src_ip4;
		} else if (v6 && mapped) {
			e->addr[3] = sk->src_ip6[3];
		} else if (v6 && (sk->src_ip6[0] | sk->src_ip6[1] | sk->src_ip6[2] | sk->src_ip6[3])) {
			e->family = AF_INET6;
			e->addr[0] = sk->src_ip6[0];
			e->addr[1] = sk->src_ip6[1];
			e->addr[2] = sk->src_ip6[2];
			e->addr[3] = sk->src_ip6[3];
		}
		return;
	}
	if (e->addr[0] | e->addr[1] | e->addr[2] | e->addr[3])
		return;
	/* :: goes to ::1, or to 127.0.0.1 from a v4-mapped source */
	if (mapped) {
		e->family = AF_INET;
		e->addr[3] = bpf_htonl(0x7f000001);
	} else {
		e->addr[3] = bpf_htonl(1);
	}
}

static __always_inline int handle(struct bpf_sock_addr *ctx, __u32 op, int v6, int loop)
{
	__u32 zero = 0;
	const struct ebpf_config *cfg = bpf_map_lookup_elem(&config, &zero);
	struct ebpf_event ev = {};
	__u64 id = bpf_get_current_pid_tgid();

	if (!cfg)
		return 0;
	ev.tgid = id >> 32;
	ev.tid = (__u32)id;
	ev.op = op;
	ev.port = bpf_ntohs((__u16)ctx->user_port);
	if (!v6) {
		ev.family = AF_INET;
		ev.addr[3] = ctx->user_ip4;
	} else {
		ev.addr[0] = ctx->user_ip6[0];
		ev.addr[1] = ctx->user_ip6[1];
		ev.addr[2] = ctx->user_ip6[2];
		ev.addr[3] = ctx->user_ip6[3];
		/* ::ffff:a.b.c.d is decided as a.b.c.d, as the tracer reports it */
		if (ev.addr[0] == 0 && ev.addr[1] == 0 && ev.addr[2] == bpf_htonl(0xffff)) {
			ev.family = AF_INET;
			ev.addr[2] = 0;
		} else {
			ev.family = AF_INET6;
		}
	}
	any_destination(ctx, &ev, v6);
	/* The tracer already sent this DNS query to its proxy. */
	if (cfg->proxy_port && ev.family == AF_INET && ev.addr[3] == cfg->proxy_ip4 &&
	    ev.port == cfg->proxy_port)
		return 1;
	if (loop)
		decide_loop(cfg, &ev);
	else
		decide_unrolled(cfg, &ev);
	if (ev.verdict == EBPF_DENY)
		bpf_ringbuf_output(&events, &ev, sizeof(ev), 0);
	return ev.verdict == EBPF_DENY ? 0 : 1;
}

/* Each program twice: with bpf_loop (5.17+) and without; enforce/ebpf.c
 * loads one set. */
#define PROGS(suffix, loop)                                               \
	SEC("cgroup/connect4")                                            \
	int agentsh_connect4##suffix(struct bpf_sock_addr *ctx)           \
	{                                                                 \
		return handle(ctx, EBPF_OP_CONNECT, 0, loop);             \
	}                                                                 \
	SEC("cgroup/connect6")                                            \
	int agentsh_connect6##suffix(struct bpf_sock_addr *ctx)           \
	{                                                                 \
		return handle(ctx, EBPF_OP_CONNECT, 1, loop);             \
	}                                                                 \
	SEC("cgroup/sendmsg4")                                            \
	int agentsh_sendmsg4##suffix(struct bpf_sock_addr *ctx)           \
	{                                                                 \
		return handle(ctx, EBPF_OP_SENDMSG, 0, loop);             \
	}                                                                 \
	SEC("cgroup/sendmsg6")                                            \
	int agentsh_sendmsg6##suffix(struct bpf_sock_addr *ctx)           \
	{                                                                 \
		return handle(ctx, EBPF_OP_SENDMSG, 1, loop);             \
	}

PROGS(, 1)
PROGS(_unrolled, 0)
