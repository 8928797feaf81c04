/* Decisions for files, network, commands, unix sockets and signals; defaults. */
#include "test_policy_helpers.h"

/* configs/policies/bench-realistic.yaml from compat.md §1, abridged. */
static const char *realistic =
    "version: 1\n"
    "name: bench-realistic\n"
    "command_rules:\n"
    "  - name: redirect-force-push\n"
    "    commands: [git]\n"
    "    args_patterns: ['push\\s+.*--force', 'push\\s+-f\\b']\n"
    "    decision: redirect\n"
    "    message: 'force push of {{.Args}} redirected'\n"
    "    redirect_to: {command: echo, args: ['blocked:'], args_append: [done],\n"
    "                  environment: {WHY: force}}\n"
    "  - name: deny-priv\n"
    "    commands: [sudo, su, chroot, nsenter, unshare]\n"
    "    decision: deny\n"
    "  - name: allow-dev\n"
    "    commands: [git, node, npm, python3, curl]\n"
    "    decision: allow\n"
    "file_rules:\n"
    "  - name: deny-ssh\n"
    "    paths: ['${HOME}/.ssh/**', /root/.ssh/**]\n"
    "    decision: deny\n"
    "    message: 'no access to {{.Path}}'\n"
    "  - name: allow-tmp\n"
    "    paths: [/tmp/**]\n"
    "    operations: ['*']\n"
    "    decision: allow\n"
    "  - name: allow-etc-read\n"
    "    paths: [/etc/hosts, /etc/ssl/**]\n"
    "    operations: [read, open, stat]\n"
    "    decision: allow\n"
    "  - name: default-deny\n"
    "    paths: ['**']\n"
    "    decision: deny\n"
    "network_rules:\n"
    "  - name: allow-localhost\n"
    "    cidrs: [127.0.0.1/32, '::1/128']\n"
    "    decision: allow\n"
    "  - name: deny-metadata\n"
    "    cidrs: [169.254.169.254/32]\n"
    "    decision: deny\n"
    "  - name: default-deny\n"
    "    domains: ['*']\n"
    "    decision: deny\n";

static void test_file_first_match_and_vars(void **state)
{
	struct policy *p = load(realistic);
	struct verdict v;

	file_v(p, "/home/u/.ssh/id_rsa", FOP_OPEN | FOP_READ, &v);
	assert_verdict(&v, "deny", "deny", "deny-ssh");
	assert_string_equal(v.message, "no access to /home/u/.ssh/id_rsa");
	file_v(p, "/tmp/x/y", FOP_WRITE | FOP_CREATE, &v);
	assert_verdict(&v, "allow", "allow", "allow-tmp");
	file_v(p, "/etc/hosts", FOP_OPEN | FOP_READ, &v);
	assert_verdict(&v, "allow", "allow", "allow-etc-read");
	file_v(p, "/etc/hosts", FOP_WRITE | FOP_OPEN, &v);
	assert_verdict(&v, "deny", "deny", "default-deny");
	file_v(p, "/etc/ssl/certs/ca.pem", FOP_STAT, &v);
	assert_verdict(&v, "allow", "allow", "allow-etc-read");
	policy_free(p);
}

static void test_file_defaults(void **state)
{
	struct policy *p =
	    load("version: 1\nname: d\nfile_rules:\n"
		 "  - {name: w, paths: [/w/**], operations: [write], decision: allow}\n");
	struct verdict v;

	file_v(p, "/etc/passwd", FOP_OPEN | FOP_READ, &v);
	assert_verdict(&v, "allow", "allow", "default-allow-reads");
	file_v(p, "/etc/passwd", FOP_STAT, &v);
	assert_verdict(&v, "allow", "allow", "default-allow-reads");
	file_v(p, "/etc/passwd", FOP_OPEN | FOP_WRITE, &v);
	assert_verdict(&v, "deny", "deny", "default-deny-files");
	file_v(p, "/etc/x", FOP_DELETE, &v);
	assert_verdict(&v, "deny", "deny", "default-deny-files");
	file_v(p, "/w/a", FOP_OPEN | FOP_WRITE, &v);
	assert_verdict(&v, "allow", "allow", "w");
	/* a rule listing only write does not match a plain read */
	file_v(p, "/w/a", FOP_OPEN | FOP_READ, &v);
	assert_verdict(&v, "allow", "allow", "default-allow-reads");
	policy_free(p);
}

static void test_read_rule_matches_read_open(void **state)
{
	struct policy *p =
	    load("version: 1\nname: d\nfile_rules:\n"
		 "  - {name: r, paths: [/secret/**], operations: [read], decision: deny}\n");
	struct verdict v;

	file_v(p, "/secret/k", FOP_OPEN | FOP_READ, &v);
	assert_verdict(&v, "deny", "deny", "r");
	file_v(p, "/secret/k", FOP_STAT, &v);
	assert_verdict(&v, "allow", "allow", "default-allow-reads");
	policy_free(p);
}

/* performance.arg_level_filter / static_allow_file: which calls are an allow
 * whatever their path. */
static void test_file_static_allow(void **state)
{
	struct policy *p = load(realistic);
	struct policy *w = load("version: 1\nname: w\nfile_rules:\n"
				"  - {name: w, paths: [/w/**], operations: [write], decision: allow}\n"
				"  - {name: a, paths: [/a/**], operations: [read], decision: audit}\n");
	struct policy *all = load("version: 1\nname: all\nfile_rules:\n"
				  "  - {name: all, paths: ['/**'], operations: ['*'], decision: allow}\n"
				  "  - {name: late, paths: [/x], decision: deny}\n");
	const char *rule;

	assert_false(policy_file_static_allow(p, FOP_OPEN | FOP_READ, &rule));
	assert_string_equal(rule, "deny-ssh");
	/* an audit of reads asks for their record */
	assert_false(policy_file_static_allow(w, FOP_OPEN | FOP_READ, &rule));
	assert_string_equal(rule, "a");
	assert_false(policy_file_static_allow(w, FOP_WRITE, &rule));
	assert_string_equal(rule, "default-deny-files");
	assert_true(policy_file_static_allow(w, FOP_STAT, &rule));
	/* a catch-all allow decides everything after it */
	for (unsigned bit = 1; bit <= FOP_ALL; bit <<= 1)
		assert_true(policy_file_static_allow(all, bit, &rule));
	assert_true(policy_file_static_allow(NULL, FOP_WRITE, &rule));
	policy_free(p);
	policy_free(w);
	policy_free(all);
}

static void test_file_decisions_and_redirect(void **state)
{
	const char *text =
	    "version: 1\nname: d\nfile_rules:\n"
	    "  - {name: a, paths: [/a/**], decision: approve, timeout: 90s}\n"
	    "  - {name: au, paths: [/au/**], decision: audit}\n"
	    "  - {name: sd, paths: [/sd/**], operations: [delete], decision: soft_delete}\n"
	    "  - {name: rd, paths: [/home/**], decision: redirect, redirect_to: /scratch}\n"
	    "  - {name: rt, paths: [/keep/**], decision: redirect,\n"
	    "     redirect_to: /scratch/, preserve_tree: true}\n"
	    "  - {name: bad, paths: [/bad/**], decision: allowed}\n";
	struct policy *p = load(text), *shadow = load_opts(text, false, false);
	struct verdict v;

	file_v(p, "/a/x", FOP_WRITE, &v);
	assert_verdict(&v, "approve", "approve", "a");
	assert_int_equal(v.timeout_ms, 90000);
	file_v(shadow, "/a/x", FOP_WRITE, &v);
	assert_verdict(&v, "approve", "allow", "a");
	file_v(p, "/au/x", FOP_WRITE, &v);
	assert_verdict(&v, "audit", "allow", "au");
	file_v(p, "/sd/x", FOP_DELETE, &v);
	assert_verdict(&v, "soft_delete", "soft_delete", "sd");
	file_v(p, "/home/u/f.txt", FOP_WRITE | FOP_CREATE, &v);
	assert_verdict(&v, "redirect", "redirect", "rd");
	assert_string_equal(v.redirect_path, "/scratch/f.txt");
	file_v(shadow, "/home/u/f.txt", FOP_WRITE, &v);
	assert_verdict(&v, "redirect", "allow", "rd");
	file_v(p, "/keep/a/b", FOP_WRITE, &v);
	assert_string_equal(v.redirect_path, "/scratch/keep/a/b");
	file_v(p, "/bad/x", FOP_OPEN, &v);
	assert_verdict(&v, "deny", "deny", "invalid-policy-decision");
	assert_string_equal(v.message, "invalid decision in policy");
	policy_free(p);
	policy_free(shadow);
}

static void test_network(void **state)
{
	struct policy *p = load(realistic);
	struct net_query q = {.ip = "127.0.0.1", .port = 8080, .operation = "connect"};
	struct verdict v;

	policy_decide_network(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "allow-localhost");
	q.ip = "::1";
	policy_decide_network(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "allow-localhost");
	q.ip = "169.254.169.254";
	policy_decide_network(p, &q, &v);
	assert_verdict(&v, "deny", "deny", "deny-metadata");
	q.ip = "93.184.216.34";
	q.domain = "example.com";
	policy_decide_network(p, &q, &v);
	/* "*" with '.' separator does not match a dotted name */
	assert_verdict(&v, "deny", "deny", "default-deny-network");
	q.domain = "localhost";
	q.ip = "10.0.0.1";
	policy_decide_network(p, &q, &v);
	assert_verdict(&v, "deny", "deny", "default-deny");
	policy_free(p);
}

static void test_network_selectors_all_must_match(void **state)
{
	struct policy *p =
	    load("version: 1\nname: n\nnetwork_rules:\n"
		 "  - {name: gh, domains: ['*.GitHub.com', github.com], ports: [443],\n"
		 "     decision: allow}\n"
		 "  - {name: lan, cidrs: [10.0.0.0/8], ports: [22, 80], decision: approve}\n"
		 "  - {name: https, ports: [443], decision: audit}\n");
	struct net_query q = {.ip = "140.82.112.3", .domain = "API.github.com.", .port = 443};
	struct verdict v;

	policy_decide_network(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "gh");
	q.port = 80;
	policy_decide_network(p, &q, &v);
	assert_verdict(&v, "deny", "deny", "default-deny-network");
	q = (struct net_query){.ip = "10.1.2.3", .port = 22};
	policy_decide_network(p, &q, &v);
	assert_verdict(&v, "approve", "approve", "lan");
	q.port = 443;
	policy_decide_network(p, &q, &v);
	assert_verdict(&v, "audit", "allow", "https");
	q = (struct net_query){.domain = "10.9.9.9", .port = 80};
	policy_decide_network(p, &q, &v);
	assert_verdict(&v, "approve", "approve", "lan");
	policy_free(p);
}

static void test_commands(void **state)
{
	struct policy *p = load(realistic);
	struct verdict v;

	exec_v(p, "/usr/bin/git push origin main --force", 0, false, &v);
	assert_verdict(&v, "redirect", "redirect", "redirect-force-push");
	assert_non_null(v.exec_redirect);
	assert_string_equal(v.exec_redirect->command, "echo");
	assert_string_equal(v.exec_redirect->args[0], "blocked:");
	assert_null(v.exec_redirect->args[1]);
	assert_string_equal(v.exec_redirect->args_append[0], "done");
	assert_string_equal(v.exec_redirect->environment[0], "WHY=force");
	assert_string_equal(v.message, "force push of push origin main --force redirected");
	exec_v(p, "/usr/bin/git status", 0, false, &v);
	assert_verdict(&v, "allow", "allow", "allow-dev");
	assert_null(v.exec_redirect);
	exec_v(p, "/usr/bin/SUDO ls", 0, false, &v);
	assert_verdict(&v, "deny", "deny", "deny-priv");
	exec_v(p, "/bin/rm -rf /", 2, false, &v);
	assert_verdict(&v, "deny", "deny", "default-deny-execve");
	exec_v(p, "rm -rf /", 0, true, &v);
	assert_verdict(&v, "deny", "deny", "default-deny-commands");
	exec_v(p, "/usr/bin/git.real status", 0, false, &v);
	assert_verdict(&v, "allow", "allow", "allow-dev");
	policy_free(p);
}

static void test_command_paths_and_globs(void **state)
{
	struct policy *p =
	    load("version: 1\nname: c\ncommand_rules:\n"
		 "  - {name: p, commands: [/opt/tools/*], decision: audit}\n"
		 "  - {name: exact, commands: [/usr/local/bin/Tool], decision: approve}\n"
		 "  - {name: g, commands: ['py*'], decision: allow}\n"
		 "  - {name: all, decision: deny}\n");
	struct verdict v;

	exec_v(p, "/opt/tools/x", 0, false, &v);
	assert_verdict(&v, "audit", "allow", "p");
	exec_v(p, "/opt/tools/sub/x", 0, false, &v);
	assert_verdict(&v, "deny", "deny", "all");
	exec_v(p, "/usr/local/bin/tool", 0, false, &v);
	assert_verdict(&v, "approve", "approve", "exact");
	exec_v(p, "/usr/bin/python3.11", 0, false, &v);
	assert_verdict(&v, "allow", "allow", "g");
	policy_free(p);
}

/* The depth-aware examples of the setup docs. */
static void test_depth_context(void **state)
{
	struct policy *p = load(
	    "version: 1\nname: depth\ncommand_rules:\n"
	    "  - {name: git-direct, commands: [git], context: [direct], decision: allow}\n"
	    "  - {name: cc-nested, commands: [cc, gcc], context: {min_depth: 1, max_depth: 3},\n"
	    "     decision: allow}\n"
	    "  - {name: rm-rf, commands: [rm], args_patterns: "
	    "['-[a-z]*r[a-z]*f|-[a-z]*f[a-z]*r'],\n"
	    "     decision: deny}\n"
	    "  - {name: curl-nested, commands: [curl], context: [nested], decision: approve}\n"
	    "  - {name: both, commands: [make], context: [direct, nested], decision: allow}\n"
	    "  - {name: rm-ok, commands: [rm], decision: allow}\n");
	struct verdict v;

	exec_v(p, "/usr/bin/git status", 0, false, &v);
	assert_verdict(&v, "allow", "allow", "git-direct");
	exec_v(p, "/usr/bin/git status", 1, false, &v);
	assert_verdict(&v, "deny", "deny", "default-deny-execve");
	exec_v(p, "/usr/bin/cc -c a.c", 0, false, &v);
	assert_string_equal(v.rule, "default-deny-execve");
	for (int d = 1; d <= 3; d++) {
		exec_v(p, "/usr/bin/cc -c a.c", d, false, &v);
		assert_verdict(&v, "allow", "allow", "cc-nested");
	}
	exec_v(p, "/usr/bin/cc -c a.c", 4, false, &v);
	assert_string_equal(v.rule, "default-deny-execve");
	for (int d = 0; d < 8; d++) {
		exec_v(p, "/bin/rm -rf /tmp/x", d, false, &v);
		assert_verdict(&v, "deny", "deny", "rm-rf");
	}
	exec_v(p, "/bin/rm /tmp/x", 3, false, &v);
	assert_verdict(&v, "allow", "allow", "rm-ok");
	exec_v(p, "/usr/bin/curl https://x", 2, false, &v);
	assert_verdict(&v, "approve", "approve", "curl-nested");
	exec_v(p, "/usr/bin/curl https://x", 0, false, &v);
	assert_string_equal(v.rule, "default-deny-execve");
	exec_v(p, "/usr/bin/make", 0, false, &v);
	assert_string_equal(v.rule, "both");
	exec_v(p, "/usr/bin/make", 9, false, &v);
	assert_string_equal(v.rule, "both");
	/* submit-time: only rules that match depth 0 */
	exec_v(p, "curl https://x", 0, true, &v);
	assert_verdict(&v, "deny", "deny", "default-deny-commands");
	policy_free(p);
}

static void test_unix_sockets(void **state)
{
	struct policy *p =
	    load("version: 1\nname: u\nunix_socket_rules:\n"
		 "  - {name: docker, paths: [/var/run/docker.sock], decision: deny}\n"
		 "  - {name: dbus, paths: ['@/tmp/dbus-*'], operations: [connect],\n"
		 "     decision: allow}\n"
		 "  - {name: run, paths: ['/run/**'], operations: [connect, sendto],\n"
		 "     decision: audit}\n");
	struct verdict v;

	policy_decide_unix(p, "/var/run/docker.sock", "connect", &v);
	assert_verdict(&v, "deny", "deny", "docker");
	policy_decide_unix(p, "@/tmp/dbus-abc", "connect", &v);
	assert_verdict(&v, "allow", "allow", "dbus");
	policy_decide_unix(p, "@/tmp/dbus-abc", "bind", &v);
	assert_verdict(&v, "deny", "deny", "default-deny-unix");
	policy_decide_unix(p, "/run/user/1000/bus", "sendto", &v);
	assert_verdict(&v, "audit", "allow", "run");
	policy_decide_unix(p, "/run/x", "listen", &v);
	assert_verdict(&v, "deny", "deny", "default-deny-unix");
	assert_true(policy_has_unix_rules(p));
	assert_false(policy_has_signal_rules(p));
	policy_free(p);
}

static void test_signals(void **state)
{
	struct policy *p =
	    load("version: 1\nname: s\nsignal_rules:\n"
		 "  - {name: kids, signals: ['@fatal', SIGINT], target: {type: children},\n"
		 "     decision: allow}\n"
		 "  - {name: no-ext, signals: ['@all'], target: {type: external}, decision: deny}\n"
		 "  - {name: hup, signals: [hup], target: {type: self}, decision: absorb}\n"
		 "  - {name: stop, signals: [19, TSTP], target: {type: descendants},\n"
		 "     decision: redirect, redirect_to: SIGTERM}\n"
		 "  - {name: procs, signals: [USR1], target: {type: process, pattern: 'nginx*'},\n"
		 "     decision: audit}\n"
		 "  - {name: pids, signals: ['@reload'], target: {type: pid_range, min: 100,\n"
		 "     max: 200}, decision: allow}\n");
	struct signal_query q = {.sig = 15, .relations = SIGREL_CHILDREN | SIGREL_DESCENDANTS};
	struct verdict v;

	policy_decide_signal(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "kids");
	q.sig = 2;
	policy_decide_signal(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "kids");
	q = (struct signal_query){.sig = 9, .relations = SIGREL_EXTERNAL};
	policy_decide_signal(p, &q, &v);
	assert_verdict(&v, "deny", "deny", "no-ext");
	q = (struct signal_query){.sig = 1, .relations = SIGREL_SELF};
	policy_decide_signal(p, &q, &v);
	assert_verdict(&v, "absorb", "absorb", "hup");
	q = (struct signal_query){.sig = 19, .relations = SIGREL_DESCENDANTS};
	policy_decide_signal(p, &q, &v);
	assert_verdict(&v, "redirect", "redirect", "stop");
	assert_int_equal(v.redirect_signal, 15);
	q = (struct signal_query){.sig = 10, .relations = SIGREL_USER, .target_comm = "nginx"};
	policy_decide_signal(p, &q, &v);
	assert_verdict(&v, "audit", "allow", "procs");
	q = (struct signal_query){.sig = 12, .relations = SIGREL_USER, .target_pid = 150};
	policy_decide_signal(p, &q, &v);
	assert_verdict(&v, "allow", "allow", "pids");
	q.target_pid = 250;
	policy_decide_signal(p, &q, &v);
	assert_verdict(&v, "deny", "deny", "");
	assert_true(policy_has_signal_rules(p));
	policy_free(p);
}

static void test_names(void **state)
{
	enum decision d;

	assert_string_equal(decision_name(DECISION_SOFT_DELETE), "soft_delete");
	assert_null(decision_name((enum decision)99));
	assert_true(decision_parse("absorb", &d));
	assert_int_equal(d, DECISION_ABSORB);
	assert_false(decision_parse("Allow", &d));
	assert_string_equal(file_op_name(FOP_OPEN | FOP_READ), "open");
	assert_string_equal(file_op_name(FOP_OPEN | FOP_WRITE | FOP_CREATE), "create");
	assert_string_equal(file_op_name(FOP_OPEN | FOP_WRITE), "write");
	assert_string_equal(file_op_name(FOP_RMDIR), "rmdir");
	assert_int_equal(file_op_parse("readlink"), FOP_READLINK);
	assert_int_equal(file_op_parse("bogus"), 0);
	assert_int_equal(sig_rel_parse("siblings"), SIGREL_SIBLINGS);
	assert_int_equal(sig_rel_parse("user"), SIGREL_USER);
	assert_int_equal(policy_signal_parse("sigterm"), 15);
	assert_int_equal(policy_signal_parse("64"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_first_match_and_vars),
	    cmocka_unit_test(test_file_defaults),
	    cmocka_unit_test(test_read_rule_matches_read_open),
	    cmocka_unit_test(test_file_static_allow),
	    cmocka_unit_test(test_file_decisions_and_redirect),
	    cmocka_unit_test(test_network),
	    cmocka_unit_test(test_network_selectors_all_must_match),
	    cmocka_unit_test(test_commands),
	    cmocka_unit_test(test_command_paths_and_globs),
	    cmocka_unit_test(test_depth_context),
	    cmocka_unit_test(test_unix_sockets),
	    cmocka_unit_test(test_signals),
	    cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
