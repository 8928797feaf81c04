/* `policy generate`: writing the collected activity as rules (compat.md §1). */
#include "compat.h"
#include "policy_generate.h"
#include "report_md.h"

#include <stdio.h>

/* Writes `text` (rules at two-space indent) commented out, under a heading. */
void pgen_emit_commented(FILE *out, const char *heading, char *text)
{
	char *line, *save = NULL;

	if (!text || !*text)
		return;
	fprintf(out, "  # %s\n", heading);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fprintf(out, "  # %s\n", strncmp(line, "  ", 2) == 0 ? line + 2 : line);
}

/* Runs fn(p, mem) on a memory stream and writes the result commented out. */
int pgen_emit_blocked(struct pgen *p, const char *heading, void (*fn)(struct pgen *p, FILE *mem))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);

	if (!mem)
		return -ENOMEM;
	fn(p, mem);
	fclose(mem);
	pgen_emit_commented(p->out, heading, buf);
	free(buf);
	return 0;
}

/* An empty section is written as [] so that commented-out rules below it keep it valid. */
void pgen_emit_section(FILE *out, const char *name, size_t active)
{
	fprintf(out, "\n%s:%s\n", name, active ? "" : " []");
}

static void emit_aliases(struct pgen *p, FILE *out, const char *cmd)
{
	size_t n = strlen(cmd);

	for (size_t i = 0; i < p->cmd_names.len; i++) {
		const char *k = p->cmd_names.items[i].key;

		if (strncmp(k, cmd, n) == 0 && k[n] == '\x1f') {
			char esc[1024];

			pgen_glob_escape(k + n + 1, esc, sizeof(esc));
			fprintf(out, "      - ");
			pgen_yaml_str(out, esc);
			fputc('\n', out);
		}
	}
}

static size_t count_args(struct pgen *p, const char *cmd)
{
	size_t n = strlen(cmd), c = 0;

	for (size_t i = 0; i < p->cmd_args.len; i++)
		c += strncmp(p->cmd_args.items[i].key, cmd, n) == 0 &&
		     p->cmd_args.items[i].key[n] == '\x1f';
	return c;
}

static void emit_arg_patterns(struct pgen *p, FILE *out, const char *cmd)
{
	size_t n = strlen(cmd), distinct = count_args(p, cmd);

	if (!p->o->arg_patterns) {
		fprintf(out, "    # add args_patterns to narrow it (agentsh policy generate "
			     "--arg-patterns)\n");
		return;
	}
	if (distinct > PGEN_MAX_ARG_PATTERNS) {
		fprintf(out, "    # %zu distinct argument lists: too many for args_patterns\n",
			distinct);
		return;
	}
	fprintf(out, "    args_patterns:\n");
	for (size_t i = 0; i < p->cmd_args.len; i++) {
		const char *k = p->cmd_args.items[i].key;
		char re[8192], pat[8200];

		if (strncmp(k, cmd, n) != 0 || k[n] != '\x1f')
			continue;
		pgen_regex_escape(k + n + 1, re, sizeof(re));
		snprintf(pat, sizeof(pat), "^%s$", re);
		fprintf(out, "      - ");
		pgen_yaml_str(out, pat);
		fputc('\n', out);
	}
}

static void emit_risky(struct pgen *p, const struct tally_item *cmd, const char *why)
{
	FILE *out = p->out;
	char name[128];

	pgen_rule_name(name, sizeof(name), "risky", cmd->key);
	fprintf(out, "  - name: %s\n    description: ", name);
	fprintf(out, "'%s (%s): %ld run%s'\n    commands:\n", cmd->key, why, cmd->count,
		cmd->count == 1 ? "" : "s");
	emit_aliases(p, out, cmd->key);
	emit_arg_patterns(p, out, cmd->key);
	fprintf(out, "    decision: allow\n");
}

static void emit_plain_commands(struct pgen *p, size_t n)
{
	FILE *out = p->out;

	if (!n)
		return;
	fprintf(out, "  - name: allow-observed-commands\n"
		     "    description: 'Commands the session ran'\n    commands:\n");
	for (size_t i = 0; i < p->cmds.len; i++)
		if (!pgen_risky_reason(&p->cmds.items[i])) {
			fprintf(out, "      # %s: %ld run%s\n", p->cmds.items[i].key,
				p->cmds.items[i].count, p->cmds.items[i].count == 1 ? "" : "s");
			emit_aliases(p, out, p->cmds.items[i].key);
		}
	fprintf(out, "    decision: allow\n");
}

static void blocked_commands(struct pgen *p, FILE *mem)
{
	for (size_t i = 0; i < p->blocked_cmds.len; i++) {
		char name[128], esc[1024];

		pgen_rule_name(name, sizeof(name), "blocked", p->blocked_cmds.items[i].key);
		pgen_glob_escape(p->blocked_cmds.items[i].key, esc, sizeof(esc));
		fprintf(mem, "  - name: %s\n    commands: [", name);
		pgen_yaml_str(mem, esc);
		fprintf(mem, "]  # blocked %ld time%s\n    decision: allow\n",
			p->blocked_cmds.items[i].count,
			p->blocked_cmds.items[i].count == 1 ? "" : "s");
	}
}

int pgen_emit_commands(struct pgen *p)
{
	size_t plain = 0;

	tally_sort_by_key(&p->cmds);
	tally_sort_by_key(&p->cmd_names);
	tally_sort_by_key(&p->cmd_args);
	tally_sort_by_key(&p->blocked_cmds);
	for (size_t i = 0; i < p->cmds.len; i++)
		plain += !pgen_risky_reason(&p->cmds.items[i]);
	pgen_emit_section(p->out, "command_rules", p->cmds.len);
	for (size_t i = 0; i < p->cmds.len; i++)
		if (pgen_risky_reason(&p->cmds.items[i]))
			emit_risky(p, &p->cmds.items[i], pgen_risky_reason(&p->cmds.items[i]));
	emit_plain_commands(p, plain);
	if (p->o->include_blocked && p->blocked_cmds.len)
		return pgen_emit_blocked(
		    p, "Blocked in the session; uncomment to allow:", blocked_commands);
	return 0;
}

/* ---- files ---- */

static void emit_file_rule(FILE *out, const char *name, const char *decision, const char *desc,
			   const struct tally *pats, unsigned long bits, enum pgen_class c)
{
	fprintf(out, "  - name: %s\n    description: ", name);
	pgen_yaml_str(out, desc);
	fprintf(out, "\n    paths:\n");
	for (size_t i = 0; i < pats->len; i++)
		if (pats->items[i].bits == bits) {
			fprintf(out, "      - ");
			pgen_yaml_str(out, pats->items[i].key);
			fputc('\n', out);
		}
	pgen_emit_ops(out, "    ", pgen_file_ops, pgen_file_ops_count, pgen_rule_file_ops(bits, c));
	fprintf(out, "    decision: %s\n", decision);
}

/* One rule per distinct operation set of the class's grouped patterns. */
static int emit_class(struct pgen *p, enum pgen_class c)
{
	struct tally pats = {0}, done = {0};
	const char *home = p->o->home ? p->o->home : getenv("HOME");
	int r, n = 0;

	r = pgen_group_paths(&p->files[c], p->o->threshold, &p->blocked_files, home, &pats);
	tally_sort_by_key(&pats);
	for (size_t i = 0; i < pats.len && r == 0; i++) {
		char bits[32], name[64], desc[128];

		snprintf(bits, sizeof(bits), "%lu", pats.items[i].bits);
		if (tally_find(&done, bits))
			continue;
		if (!tally_get(&done, bits))
			r = -ENOMEM;
		snprintf(name, sizeof(name), "%s-%d", pgen_classes[c].rule_prefix, ++n);
		snprintf(desc, sizeof(desc), "File %s the session made", pgen_classes[c].what);
		emit_file_rule(p->out, name, pgen_classes[c].decision, desc, &pats,
			       pats.items[i].bits, c);
	}
	tally_release(&pats);
	tally_release(&done);
	return r;
}

static bool read_class(unsigned long bits)
{
	for (size_t i = 0; i < pgen_file_ops_count; i++)
		if ((bits & (1ul << i)) && report_op_is_write(pgen_file_ops[i]))
			return false;
	return true;
}

/* Blocked reads must stay denied: default-allow-reads would otherwise allow them. */
static size_t emit_blocked_reads(struct pgen *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->blocked_files.len; i++) {
		char esc[4200];

		if (!read_class(p->blocked_files.items[i].bits))
			continue;
		if (!n++)
			fprintf(p->out,
				"  - name: deny-blocked-reads\n"
				"    description: 'Reads the session was denied'\n    paths:\n");
		pgen_glob_escape(p->blocked_files.items[i].key, esc, sizeof(esc));
		fprintf(p->out, "      - ");
		pgen_yaml_str(p->out, esc);
		fputc('\n', p->out);
	}
	if (n)
		fprintf(p->out,
			"    decision: deny\n    message: 'denied in the recorded session'\n");
	return n;
}

static void blocked_files(struct pgen *p, FILE *mem)
{
	for (size_t i = 0; i < p->blocked_files.len; i++) {
		const struct tally_item *it = &p->blocked_files.items[i];
		char name[64], esc[4200];

		snprintf(name, sizeof(name), "blocked-file-%zu", i + 1);
		pgen_glob_escape(it->key, esc, sizeof(esc));
		fprintf(mem, "  - name: %s\n    paths: [", name);
		pgen_yaml_str(mem, esc);
		fprintf(mem, "]\n");
		pgen_emit_ops(
		    mem, "    ", pgen_file_ops, pgen_file_ops_count,
		    pgen_rule_file_ops(it->bits, read_class(it->bits) ? PC_READ : PC_WRITE));
		fprintf(mem, "    decision: allow\n");
	}
}

int pgen_emit_files(struct pgen *p)
{
	size_t active = 0;
	int r = 0;

	tally_sort_by_key(&p->blocked_files);
	for (size_t i = 0; i < p->blocked_files.len; i++)
		active += read_class(p->blocked_files.items[i].bits);
	for (int c = 0; c < PC_COUNT; c++)
		active += p->files[c].len;
	pgen_emit_section(p->out, "file_rules", active);
	if (p->o->include_blocked && p->blocked_files.len)
		r = pgen_emit_blocked(
		    p, "Blocked in the session; uncomment to allow (before deny-blocked-reads):",
		    blocked_files);
	emit_blocked_reads(p);
	for (int c = 0; c < PC_COUNT && r == 0; c++)
		r = emit_class(p, (enum pgen_class)c);
	fprintf(p->out,
		"  # Uncomment to deny every file operation not listed above, reads included:\n"
		"  # - name: deny-unlisted-files\n  #   paths: ['/**']\n  #   decision: deny\n");
	return r;
}
