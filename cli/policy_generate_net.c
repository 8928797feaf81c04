/* `policy generate`: network, unix socket and signal rules; releasing the state. */
#include "compat.h"
#include "policy_generate.h"

#include <stdio.h>

static bool host_is_ip(const char *h)
{
	return strchr(h, ':') || strspn(h, "0123456789.") == strlen(h);
}

/* Ports of `pattern` in the sorted "pattern\x1fport" tally from index *i on; advances *i.
 * Returns false when port 0 (any/unknown) is among them. */
static bool collect_ports(const struct tally *t, size_t *i, const char *pattern, char *ports,
			  size_t len)
{
	size_t n = strlen(pattern), off = 0;
	bool specific = true;

	ports[0] = '\0';
	for (; *i < t->len && strncmp(t->items[*i].key, pattern, n) == 0 &&
	       t->items[*i].key[n] == '\x1f';
	     (*i)++) {
		const char *port = t->items[*i].key + n + 1;

		if (strcmp(port, "0") == 0)
			specific = false;
		else if (off + strlen(port) + 3 < len)
			off +=
			    (size_t)snprintf(ports + off, len - off, "%s%s", off ? ", " : "", port);
	}
	return specific && off;
}

static void emit_net_rule(FILE *out, const char *prefix, const char *pattern, const char *ports,
			  const char *decision)
{
	char name[128];

	pgen_rule_name(name, sizeof(name), prefix, pattern);
	fprintf(out, "  - name: %s\n", name);
	if (host_is_ip(pattern)) {
		fprintf(out, "    cidrs: ['%s/%d']\n", pattern, strchr(pattern, ':') ? 128 : 32);
	} else {
		fprintf(out, "    domains: [");
		pgen_yaml_str(out, pattern);
		fprintf(out, "]\n");
	}
	if (ports && *ports)
		fprintf(out, "    ports: [%s]\n", ports);
	fprintf(out, "    decision: %s\n", decision);
}

/* Rules for a sorted "pattern\x1fport" tally. */
static void emit_net_rules(FILE *out, const struct tally *t, const char *prefix,
			   const char *decision)
{
	size_t i = 0;

	while (i < t->len) {
		char pattern[1024], ports[512];
		bool specific;

		snprintf(pattern, sizeof(pattern), "%.*s", (int)strcspn(t->items[i].key, "\x1f"),
			 t->items[i].key);
		specific = collect_ports(t, &i, pattern, ports, sizeof(ports));
		emit_net_rule(out, prefix, pattern, specific ? ports : NULL, decision);
	}
}

static void blocked_network(struct pgen *p, FILE *mem)
{
	tally_sort_by_key(&p->blocked_hosts);
	emit_net_rules(mem, &p->blocked_hosts, "blocked-net", "allow");
}

int pgen_emit_network(struct pgen *p)
{
	struct tally groups = {0};
	int r = pgen_group_domains(&p->hosts, &groups);

	tally_sort_by_key(&groups);
	pgen_emit_section(p->out, "network_rules", groups.len);
	emit_net_rules(p->out, &groups, "allow-net", "allow");
	tally_release(&groups);
	if (r == 0 && p->o->include_blocked && p->blocked_hosts.len)
		r = pgen_emit_blocked(
		    p, "Blocked in the session; uncomment to allow:", blocked_network);
	return r;
}

static void emit_unix_rules(FILE *out, const struct tally *t, const char *prefix)
{
	for (size_t i = 0; i < t->len; i++) {
		char name[128];

		pgen_rule_name(name, sizeof(name), prefix, t->items[i].key);
		fprintf(out, "  - name: %s\n    paths: [", name);
		pgen_yaml_str(out, t->items[i].key);
		fprintf(out, "]\n");
		pgen_emit_ops(out, "    ", pgen_unix_ops, PGEN_UNIX_OPS, t->items[i].bits);
		fprintf(out, "    decision: allow\n");
	}
}

static void blocked_unix(struct pgen *p, FILE *mem)
{
	emit_unix_rules(mem, &p->blocked_unix, "blocked-unix");
}

void pgen_emit_unix(struct pgen *p)
{
	tally_sort_by_key(&p->unix_paths);
	tally_sort_by_key(&p->blocked_unix);
	if (!p->unix_paths.len && !(p->o->include_blocked && p->blocked_unix.len))
		return;
	pgen_emit_section(p->out, "unix_socket_rules", p->unix_paths.len);
	emit_unix_rules(p->out, &p->unix_paths, "allow-unix");
	if (p->o->include_blocked && p->blocked_unix.len)
		pgen_emit_blocked(p, "Blocked in the session; uncomment to allow:", blocked_unix);
}

static void emit_signal_rules(FILE *out, const struct tally *t, const char *prefix)
{
	for (size_t i = 0; i < t->len; i++) {
		const char *k = t->items[i].key;
		const char *rel = strchr(k, '\x1f');
		char sig[64], name[128];

		snprintf(sig, sizeof(sig), "%.*s", (int)strcspn(k, "\x1f"), k);
		pgen_rule_name(name, sizeof(name), prefix, k);
		fprintf(out, "  - name: %s\n    signals: [", name);
		pgen_yaml_str(out, sig);
		fprintf(out, "]\n");
		if (rel && rel[1])
			fprintf(out, "    target:\n      type: %s\n", rel + 1);
		else /* the event did not say; session covers the traced process tree */
			fprintf(
			    out,
			    "    target:\n      type: session  # target relation not recorded\n");
		fprintf(out, "    decision: allow\n");
	}
}

static void blocked_signals(struct pgen *p, FILE *mem)
{
	emit_signal_rules(mem, &p->blocked_signals, "blocked-signal");
}

void pgen_emit_signals(struct pgen *p)
{
	tally_sort_by_key(&p->signals);
	tally_sort_by_key(&p->blocked_signals);
	if (!p->signals.len && !(p->o->include_blocked && p->blocked_signals.len))
		return;
	pgen_emit_section(p->out, "signal_rules", p->signals.len);
	emit_signal_rules(p->out, &p->signals, "allow-signal");
	if (p->o->include_blocked && p->blocked_signals.len)
		pgen_emit_blocked(p,
				  "Blocked in the session; uncomment to allow:", blocked_signals);
}

void pgen_release(struct pgen *p)
{
	struct tally *all[] = {&p->blocked_files, &p->cmds,	     &p->cmd_names,
			       &p->cmd_args,	  &p->blocked_cmds,  &p->pid_cmd,
			       &p->hosts,	  &p->blocked_hosts, &p->unix_paths,
			       &p->blocked_unix,  &p->signals,	     &p->blocked_signals};

	for (int c = 0; c < PC_COUNT; c++)
		tally_release(&p->files[c]);
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		tally_release(all[i]);
}
