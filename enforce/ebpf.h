/*
 * eBPF cgroup backend: cgroup/connect4, connect6, sendmsg4, sendmsg6 programs
 * (bpf/net.bpf.c) on a per-session cgroup v2 directory the command joins
 * before exec. They enforce the network_rules that need no domain (CIDRs,
 * ports; first match wins, default deny) in the kernel and report each
 * in-kernel denial through a ring buffer read in the tracer's loop.
 */
#ifndef AGENTSH_ENFORCE_EBPF_H
#define AGENTSH_ENFORCE_EBPF_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "bpf/net_common.h"
#include "policy/policy.h"

struct enforce;
struct tracer;
struct ebpf;

/* The kernel's rule table for p: 0, or -EINVAL with why (a rule eBPF cannot express). */
int ebpf_rules_build(const struct policy *p, struct ebpf_rule *rules, size_t cap, size_t *n,
		     __u32 *default_verdict, char *why, size_t why_len);

/* Parent: creates the session cgroup under parent_dir, loads and attaches the programs. */
int ebpf_start(const struct ebpf_rule *rules, size_t n, __u32 default_verdict,
	       const char *parent_dir, struct enforce *enf, struct ebpf **out);
/* Child, before exec (async-signal-safe): joins the session cgroup. */
int ebpf_child(struct ebpf *b);
/* After tracer_new: the ring buffer joins the loop. */
int ebpf_attach(struct ebpf *b, struct tracer *t);
const char *ebpf_cgroup_path(const struct ebpf *b);
unsigned long ebpf_events(const struct ebpf *b);
/* Drains the ring buffer, detaches the programs, removes the cgroup. */
void ebpf_stop(struct ebpf *b);

#endif /* !AGENTSH_ENFORCE_EBPF_H */
