/* The planner's eBPF part: the kernel rule table, and why eBPF is left out. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "compat.h"
#include "detect/detect.h"
#include "enforce/plan.h"

#include <arpa/inet.h>

static struct policy *load(const char *text)
{
	struct policy_vars vars = { .project_root = "/work/proj", .home = "/home/u" };
	struct policy_opts o = { .enforce_redirects = true };
	struct policy_error err;
	struct policy *p = NULL;

	if (policy_load_buffer("t.yaml", text, strlen(text), &vars, &o, &p, &err) != 0)
		fail_msg("policy: %s", err.message);
	return p;
}

static void plan_for(const char *text, struct plan *pl, struct policy **pp)
{
	struct detect_result dr;
	struct plan_config c = { .log_allowed = true };

	memset(&dr, 0, sizeof(dr));
	dr.ptrace.ok = dr.seccomp.ok = dr.ebpf.ok = dr.cgroup2_writable = true;
	snprintf(dr.cgroup2_path, sizeof(dr.cgroup2_path), "/sys/fs/cgroup/unified");
	*pp = load(text);
	assert_int_equal(plan_build(*pp, &dr, &c, PLAN_MODE_EBPF, pl), 0);
}

static void test_cidrs_and_ports_become_the_kernel_table(void **state)
{
	const char *text = "version: 1\nname: t\nnetwork_rules:\n"
			   "  - name: deny-lan\n    cidrs: ['10.1.0.0/16', 'fd00::/8']\n"
			   "    decision: deny\n"
			   "  - name: web\n    ports: [443, 80]\n    decision: allow\n";
	struct policy *p;
	struct plan pl;
	const struct ebpf_rule *r;

	(void)state;
	plan_for(text, &pl, &p);
	assert_true(pl.ebpf);
	assert_int_equal(pl.ebpf_nrules, 2);
	assert_int_equal(pl.ebpf_default, EBPF_DENY);
	r = &pl.ebpf_rules[0];
	assert_int_equal(r->verdict, EBPF_DENY);
	assert_int_equal(r->ncidrs, 2);
	assert_int_equal(r->nports, 0);
	assert_int_equal(r->cidrs[0].family, AF_INET);
	assert_int_equal(r->cidrs[0].net[3], inet_addr("10.1.0.0"));
	assert_int_equal(r->cidrs[0].mask[3], inet_addr("255.255.0.0"));
	assert_int_equal(r->cidrs[0].mask[0] | r->cidrs[0].mask[1] | r->cidrs[0].mask[2], 0);
	assert_int_equal(r->cidrs[1].family, AF_INET6);
	assert_int_equal(r->cidrs[1].mask[0], htonl(0xff000000));
	assert_int_equal(r->cidrs[1].net[0], htonl(0xfd000000));
	assert_int_equal(r->cidrs[1].mask[1], 0);
	r = &pl.ebpf_rules[1];
	assert_int_equal(r->verdict, EBPF_ALLOW);
	assert_int_equal(r->nports, 2);
	assert_int_equal(r->ports[0], 443);
	assert_int_equal(r->ports[1], 80);
	plan_free(&pl);
	policy_free(p);
}

static void test_domains_keep_ebpf_out(void **state)
{
	const char *text = "version: 1\nname: t\nnetwork_rules:\n"
			   "  - name: gh\n    domains: ['github.com']\n    decision: allow\n"
			   "  - name: deny-lan\n    cidrs: ['10.0.0.0/8']\n    decision: deny\n";
	struct policy *p;
	struct plan pl;

	(void)state;
	plan_for(text, &pl, &p);
	assert_false(pl.ebpf);
	assert_non_null(strstr(pl.off[PLAN_BE_EBPF], "'gh' names domains"));
	plan_free(&pl);
	policy_free(p);
}

static void test_unsupported_machine_says_why(void **state)
{
	struct detect_result dr;
	char why[160];

	(void)state;
	memset(&dr, 0, sizeof(dr));
	dr.ptrace.ok = dr.seccomp.ok = true;
	assert_false(plan_mode_supported(PLAN_MODE_EBPF, &dr, why, sizeof(why)));
	assert_non_null(strstr(why, "eBPF"));
	dr.ebpf.ok = true;
	assert_false(plan_mode_supported(PLAN_MODE_EBPF, &dr, why, sizeof(why)));
	assert_non_null(strstr(why, "cgroup"));
	dr.cgroup2_writable = true;
	assert_true(plan_mode_supported(PLAN_MODE_EBPF, &dr, why, sizeof(why)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cidrs_and_ports_become_the_kernel_table),
		cmocka_unit_test(test_domains_keep_ebpf_out),
		cmocka_unit_test(test_unsupported_machine_says_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
