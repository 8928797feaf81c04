/*
 * Compiles the parsed rules once: ${VAR} expansion, globs, regexes, CIDRs,
 * operation sets. Every error names the file, line and column of the value.
 */
#include "compat.h"
#include "glob.h"
#include "internal.h"
#include "schema.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

struct cc {
	const char *file;
	struct policy *p;
	const struct policy_vars *vars;
	struct policy_error *err;
};

static const char *rname(const struct rule_head *h)
{
	return h->name ? h->name : "";
}

static int compile_decision(struct cc *c, const char *section, struct rule_head *h)
{
	struct rule_decision *d = &h->decision;

	if (!d->text || !*d->text)
		return policy_errorf(c->err, c->file, h->pos, "%s \"%s\": decision is required",
				     section, rname(h));
	if (!decision_parse(d->text, &d->d) || d->d == DECISION_ABSORB) {
		d->invalid = true;
		d->d = DECISION_DENY;
		policy_warn(c->p,
			    "%s:%d:%d: %s \"%s\": unknown decision \"%s\" (it denies, rule "
			    "invalid-policy-decision)",
			    c->file, d->pos.line, d->pos.col, section, rname(h), d->text);
	}
	return 0;
}

/* Compiles globs from a list, with optional ${VAR} expansion and lowercasing. */
static int compile_globs(struct cc *c, const char *section, const struct rule_head *h,
			 const struct strlist *l, char sep, bool expand, bool lower,
			 struct glob ***out)
{
	char msg[256];

	if (!l->n)
		return 0;
	if (!(*out = calloc(l->n, sizeof(**out))))
		return -ENOMEM;
	for (size_t i = 0; i < l->n; i++) {
		char *s = expand ? policy_expand_vars(l->v[i], c->vars, msg, sizeof(msg))
				 : strdup(l->v[i]);

		if (!s)
			return policy_errorf(c->err, c->file, l->pos[i], "%s \"%s\": \"%s\": %s",
					     section, rname(h), l->v[i],
					     expand ? msg : "out of memory");
		if (lower)
			lower_copy(s, strlen(s) + 1, s, strlen(s));
		(*out)[i] = policy_glob_compile(s, sep, msg, sizeof(msg));
		free(s);
		if (!(*out)[i])
			return policy_errorf(c->err, c->file, l->pos[i],
					     "%s \"%s\": bad pattern \"%s\": %s", section, rname(h),
					     l->v[i], msg);
	}
	return 0;
}

static void free_globs(struct glob **g, size_t n)
{
	for (size_t i = 0; g && i < n; i++)
		policy_glob_free(g[i]);
	free(g);
}

static int compile_file_ops(struct cc *c, struct file_rule *r)
{
	r->ops = r->operations.n ? 0 : FOP_ALL;
	for (size_t i = 0; i < r->operations.n; i++) {
		char op[32];
		unsigned bit;

		if (lower_copy(op, sizeof(op), r->operations.v[i], strlen(r->operations.v[i])) < 0)
			op[0] = 0;
		bit = strcmp(op, "*") == 0 ? FOP_ALL : file_op_parse(op);
		if (!bit)
			policy_warn(c->p,
				    "%s:%d:%d: file_rules \"%s\": operation \"%s\" is never "
				    "produced, so it never matches",
				    c->file, r->operations.pos[i].line, r->operations.pos[i].col,
				    rname(&r->h), r->operations.v[i]);
		r->ops |= bit;
	}
	return 0;
}

static int compile_file_rule(struct cc *c, struct file_rule *r)
{
	char msg[256];
	int e;

	if ((e = compile_decision(c, "file_rules", &r->h)) < 0 ||
	    (e = compile_globs(c, "file_rules", &r->h, &r->paths, '/', true, false, &r->globs)) <
		0 ||
	    (e = compile_file_ops(c, r)) < 0)
		return e;
	if (r->redirect_to) {
		char *x = policy_expand_vars(r->redirect_to, c->vars, msg, sizeof(msg));

		if (!x)
			return policy_errorf(c->err, c->file, r->h.pos,
					     "file_rules \"%s\": redirect_to: %s", rname(&r->h),
					     msg);
		free(r->redirect_to);
		r->redirect_to = x;
	}
	if (r->h.decision.d == DECISION_REDIRECT && (!r->redirect_to || !*r->redirect_to))
		return policy_errorf(c->err, c->file, r->h.pos,
				     "file_rules \"%s\": decision redirect needs redirect_to",
				     rname(&r->h));
	return 0;
}

int policy_parse_cidr(const char *s, struct cidr *out)
{
	char buf[64], *slash, *end;
	long prefix;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, strlen(s) + 1);
	if (!(slash = strchr(buf, '/')))
		return -EINVAL;
	*slash = 0;
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->addr) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, out->addr) == 1)
		out->family = AF_INET6;
	else
		return -EINVAL;
	errno = 0;
	prefix = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || errno || prefix < 0 ||
	    prefix > (out->family == AF_INET ? 32 : 128) || slash[1] == '+' || slash[1] == '-')
		return -EINVAL;
	out->prefix = (int)prefix;
	return 0;
}

static int compile_network_rule(struct cc *c, struct network_rule *r)
{
	int e;

	if ((e = compile_decision(c, "network_rules", &r->h)) < 0 ||
	    (e = compile_globs(c, "network_rules", &r->h, &r->domains, '.', true, true,
			       &r->domain_globs)) < 0)
		return e;
	for (size_t i = 0; i < r->ports.n; i++)
		if (r->ports.v[i] < 0 || r->ports.v[i] > 65535)
			return policy_errorf(c->err, c->file, r->ports.pos[i],
					     "network_rules \"%s\": port %ld out of range 0-65535",
					     rname(&r->h), r->ports.v[i]);
	if (r->cidrs.n && !(r->cidr = calloc(r->cidrs.n, sizeof(*r->cidr))))
		return -ENOMEM;
	for (size_t i = 0; i < r->cidrs.n; i++)
		if (policy_parse_cidr(r->cidrs.v[i], &r->cidr[i]) < 0)
			return policy_errorf(c->err, c->file, r->cidrs.pos[i],
					     "network_rules \"%s\": invalid CIDR \"%s\"",
					     rname(&r->h), r->cidrs.v[i]);
	return 0;
}

pcre2_code *policy_regex_compile(const char *pattern, char *err, size_t errlen)
{
	int code;
	PCRE2_SIZE off;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);

	if (!re) {
		PCRE2_UCHAR buf[200];

		pcre2_get_error_message(code, buf, sizeof(buf));
		snprintf(err, errlen, "%s at offset %zu", (const char *)buf, (size_t)off);
		return NULL;
	}
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static bool has_meta(const char *s)
{
	return strpbrk(s, "*?[{\\") != NULL;
}

static int compile_cmd_matchers(struct cc *c, struct command_rule *r)
{
	char msg[256];

	if (r->commands.n && !(r->match = calloc(r->commands.n, sizeof(*r->match))))
		return -ENOMEM;
	for (size_t i = 0; i < r->commands.n; i++) {
		struct cmd_matcher *m = &r->match[i];
		char *s = strdup(r->commands.v[i]);

		if (!s)
			return -ENOMEM;
		lower_copy(s, strlen(s) + 1, s, strlen(s));
		m->kind = strchr(s, '/') ? CM_PATH : CM_BASENAME;
		if (!has_meta(s)) {
			m->literal = s;
			m->literal_len = strlen(s);
			continue;
		}
		m->glob = policy_glob_compile(s, '/', msg, sizeof(msg));
		free(s);
		if (!m->glob)
			return policy_errorf(c->err, c->file, r->commands.pos[i],
					     "command_rules \"%s\": bad pattern \"%s\": %s",
					     rname(&r->h), r->commands.v[i], msg);
	}
	return 0;
}

static int compile_cmd_regexes(struct cc *c, struct command_rule *r)
{
	char msg[256];

	if (r->args_patterns.n && !(r->re = calloc(r->args_patterns.n, sizeof(*r->re))))
		return -ENOMEM;
	for (size_t i = 0; i < r->args_patterns.n; i++)
		if (!(r->re[i] = policy_regex_compile(r->args_patterns.v[i], msg, sizeof(msg))))
			return policy_errorf(c->err, c->file, r->args_patterns.pos[i],
					     "command_rules \"%s\": bad args_patterns regex "
					     "\"%s\": %s",
					     rname(&r->h), r->args_patterns.v[i], msg);
	return 0;
}

/* NULL-terminated view of a strlist (strings stay owned by the list). */
static const char *const *strv(const struct strlist *l)
{
	const char **v = calloc(l->n + 1, sizeof(*v));

	for (size_t i = 0; v && i < l->n; i++)
		v[i] = l->v[i];
	return v;
}

static int compile_cmd_redirect(struct cc *c, struct command_rule *r)
{
	struct cmd_redirect_raw *raw = &r->redirect_to;

	if (r->h.decision.d == DECISION_REDIRECT && (!raw->command || !*raw->command))
		return policy_errorf(c->err, c->file, r->h.pos,
				     "command_rules \"%s\": decision redirect needs "
				     "redirect_to.command",
				     rname(&r->h));
	if (!raw->command)
		return 0;
	r->redirect.command = raw->command;
	r->redirect.args = strv(&raw->args);
	r->redirect.args_append = strv(&raw->args_append);
	r->redirect.environment = strv(&raw->environment);
	if (!r->redirect.args || !r->redirect.args_append || !r->redirect.environment)
		return -ENOMEM;
	return 0;
}

static int compile_command_rule(struct cc *c, struct command_rule *r)
{
	int e;

	if (!r->context.set)
		r->context = (struct depth_range){.set = true, .min = 0, .max = -1};
	if (r->context.min < 0 || (r->context.max >= 0 && r->context.max < r->context.min))
		return policy_errorf(c->err, c->file, r->h.pos,
				     "command_rules \"%s\": context: need 0 <= min_depth <= "
				     "max_depth (max_depth -1 = unlimited)",
				     rname(&r->h));
	if ((e = compile_decision(c, "command_rules", &r->h)) < 0 ||
	    (e = compile_cmd_matchers(c, r)) < 0 || (e = compile_cmd_regexes(c, r)) < 0 ||
	    (e = compile_cmd_redirect(c, r)) < 0 ||
	    (e = compile_globs(c, "command_rules", &r->h, &r->env_allow, 0, false, false,
			       &r->env_allow_g)) < 0 ||
	    (e = compile_globs(c, "command_rules", &r->h, &r->env_deny, 0, false, false,
			       &r->env_deny_g)) < 0)
		return e;
	if (r->h.decision.d != DECISION_ALLOW || r->h.decision.invalid)
		c->p->has_restrictive_command_rule = true;
	return 0;
}

static unsigned unix_op_parse(const char *s)
{
	static const char *const names[] = {"connect", "bind", "listen", "sendto"};

	if (strcmp(s, "*") == 0)
		return UOP_ALL;
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (strcasecmp(s, names[i]) == 0)
			return 1u << i;
	return 0;
}

static int compile_unix_rule(struct cc *c, struct unix_rule *r)
{
	int e;

	if ((e = compile_decision(c, "unix_socket_rules", &r->h)) < 0 ||
	    (e = compile_globs(c, "unix_socket_rules", &r->h, &r->paths, '/', true, false,
			       &r->globs)) < 0)
		return e;
	r->ops = r->operations.n ? 0 : UOP_ALL;
	for (size_t i = 0; i < r->operations.n; i++) {
		unsigned bit = unix_op_parse(r->operations.v[i]);

		if (!bit)
			return policy_errorf(c->err, c->file, r->operations.pos[i],
					     "unix_socket_rules \"%s\": unknown operation \"%s\" "
					     "(connect, bind, listen, sendto)",
					     rname(&r->h), r->operations.v[i]);
		r->ops |= bit;
	}
	return 0;
}

static int compile_env_policy(struct cc *c)
{
	struct env_policy_raw *e = &c->p->env_policy;
	struct rule_head h = {.name = "env_policy"};
	int r;

	if (e->max_bytes < 0 || e->max_keys < 0)
		return policy_errorf(c->err, c->file, e->pos,
				     "env_policy: max_bytes and max_keys must be >= 0");
	if ((r = compile_globs(c, "env_policy", &h, &e->allow, 0, false, false, &e->allow_g)) < 0)
		return r;
	return compile_globs(c, "env_policy", &h, &e->deny, 0, false, false, &e->deny_g);
}

#define EACH(p, list, type, var)                                                                   \
	for (type *var = (type *)(p)->list.v; var < (type *)(p)->list.v + (p)->list.n; var++)

static int compile_rules(struct cc *c)
{
	struct policy *p = c->p;
	int e = 0;

	EACH(p, file_rules, struct file_rule, r)
	if ((e = compile_file_rule(c, r)) < 0)
		return e;
	EACH(p, network_rules, struct network_rule, r)
	if ((e = compile_network_rule(c, r)) < 0)
		return e;
	EACH(p, command_rules, struct command_rule, r)
	if ((e = compile_command_rule(c, r)) < 0)
		return e;
	EACH(p, unix_rules, struct unix_rule, r)
	if ((e = compile_unix_rule(c, r)) < 0)
		return e;
	EACH(p, signal_rules, struct signal_rule, r)
	if ((e = policy_compile_signal_rule(c->file, p, r, c->err)) < 0)
		return e;
	EACH(p, registry_rules, struct registry_rule, r)
	if ((e = compile_decision(c, "registry_rules", &r->h)) < 0)
		return e;
	return 0;
}

int policy_compile(const char *file, struct policy *p, const struct policy_vars *vars,
		   struct policy_error *err)
{
	struct cc c = {.file = file, .p = p, .vars = vars, .err = err};
	int e;

	if ((e = compile_rules(&c)) < 0 || (e = compile_env_policy(&c)) < 0 ||
	    (e = policy_compile_redirects(file, p, err)) < 0 ||
	    (e = policy_compile_transparent(p)) < 0 || (e = policy_build_indexes(p)) < 0)
		return e == -ENOMEM ? policy_errorf(err, file, (struct pos){0}, "out of memory"),
		       -ENOMEM	    : e;
	policy_warn_unenforced(file, p);
	return 0;
}

void policy_release(struct policy *p)
{
	EACH(p, file_rules, struct file_rule, r)
	free_globs(r->globs, r->paths.n);
	EACH(p, network_rules, struct network_rule, r)
	{
		free_globs(r->domain_globs, r->domains.n);
		free(r->cidr);
	}
	EACH(p, command_rules, struct command_rule, r)
	{
		for (size_t i = 0; r->match && i < r->commands.n; i++) {
			free(r->match[i].literal);
			policy_glob_free(r->match[i].glob);
		}
		free(r->match);
		for (size_t i = 0; r->re && i < r->args_patterns.n; i++)
			pcre2_code_free(r->re[i]);
		free(r->re);
		free((void *)r->redirect.args);
		free((void *)r->redirect.args_append);
		free((void *)r->redirect.environment);
		free_globs(r->env_allow_g, r->env_allow.n);
		free_globs(r->env_deny_g, r->env_deny.n);
	}
	EACH(p, unix_rules, struct unix_rule, r)
	free_globs(r->globs, r->paths.n);
	EACH(p, signal_rules, struct signal_rule, r)
	policy_glob_free(r->process);
	EACH(p, dns_redirects, struct dns_redirect, r)
	pcre2_code_free(r->re);
	EACH(p, connect_redirects, struct connect_redirect, r)
	pcre2_code_free(r->re);
	policy_release_indexes(p);
	free_globs(p->env_policy.allow_g, p->env_policy.allow.n);
	free_globs(p->env_policy.deny_g, p->env_policy.deny.n);
	for (size_t i = 0; p->transparent_set && p->transparent_set[i]; i++)
		policy_glob_free(p->transparent_set[i]);
	free(p->transparent_set);
}

/* One warning per section that is parsed but not enforced in this build. */
void policy_warn_unenforced(const char *file, struct policy *p)
{
	const struct {
		const char *name;
		const struct any_section *s;
	} any[] = {
	    {"mcp_rules", &p->mcp_rules},
	    {"process_contexts", &p->process_contexts},
	    {"process_identities", &p->process_identities},
	    {"package_rules", &p->package_rules},
	    {"providers", &p->providers},
	    {"http_services", &p->http_services},
	    {"db_services", &p->db_services},
	    {"database_rules", &p->database_rules},
	    {"database_connection_rules", &p->database_connection_rules},
	    {"policies", &p->policies},
	};

	for (size_t i = 0; i < ARRAY_SIZE(any); i++)
		if (any[i].s->present)
			policy_warn(p, "%s:%d:%d: %s: parsed but not enforced in this build", file,
				    any[i].s->pos.line, any[i].s->pos.col, any[i].name);
	if (p->registry_rules.n)
		policy_warn(p,
			    "%s: registry_rules: Windows registry rules are not enforced on Linux",
			    file);
	if (p->env_policy.block_iteration)
		policy_warn(p,
			    "%s:%d:%d: env_policy.block_iteration: not enforced in this build "
			    "(ptrace cannot hide environ from a process)",
			    file, p->env_policy.pos.line, p->env_policy.pos.col);
}
