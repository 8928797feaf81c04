/* The detect model on synthetic probe results: weights, score, active backends, tips, modes. */
#include "compat.h"
#include "detect/detect.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <cmocka.h>

static void all_available(struct detect_result *r)
{
	memset(r, 0, sizeof(*r));
	r->ptrace.ok = r->seccomp.ok = r->seccomp_notify.ok = r->landlock.ok = true;
	r->landlock_abi = 7;
	r->landlock_network = true;
	r->ebpf.ok = r->fuse.ok = r->cgroup2.ok = r->pid_namespace.ok = r->caps.ok = true;
	r->fuse_method = DETECT_FUSE_FUSERMOUNT;
}

static const struct detect_domain *domain(const struct detect_model *m, const char *name)
{
	for (int i = 0; i < DETECT_NUM_DOMAINS; i++)
		if (strcmp(m->domains[i].name, name) == 0)
			return &m->domains[i];
	fail_msg("no domain %s", name);
	return NULL;
}

static void test_domains_and_weights_match_compat(void **state)
{
	static const struct {
		const char *name;
		int weight;
		const char *backends[3];
	} want[] = {
		{ "File Protection", 25, { "fuse", "landlock", "seccomp-notify" } },
		{ "Command Control", 25, { "seccomp-execve", "ptrace" } },
		{ "Network", 20, { "ebpf", "landlock-network" } },
		{ "Resource Limits", 15, { "cgroups-v2" } },
		{ "Isolation", 15, { "pid-namespace", "capability-drop" } },
	};
	struct detect_result r;
	struct detect_model m;

	all_available(&r);
	detect_model_build(&r, &m);
	for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
		assert_string_equal(m.domains[i].name, want[i].name);
		assert_int_equal(m.domains[i].weight, want[i].weight);
		for (int j = 0; j < 3 && want[i].backends[j]; j++)
			assert_string_equal(m.domains[i].backends[j].name, want[i].backends[j]);
	}
	assert_int_equal(m.score, 100);
	assert_int_equal(m.n_tips, 0);
	assert_int_equal(m.mode, DETECT_MODE_FULL);
}

static void test_one_backend_gives_full_domain_weight(void **state)
{
	struct detect_result r;
	struct detect_model m;

	all_available(&r);
	r.pid_namespace.ok = false; /* capability-drop alone still scores Isolation */
	r.ebpf.ok = false;          /* landlock-network alone still scores Network */
	detect_model_build(&r, &m);
	assert_int_equal(m.score, 100);
	assert_string_equal(domain(&m, "Isolation")->active, "capability-drop");
	assert_string_equal(domain(&m, "Network")->active, "landlock-network");
}

static void test_missing_domain_gives_tip_with_points(void **state)
{
	struct detect_result r;
	struct detect_model m;

	all_available(&r);
	r.cgroup2.ok = false;
	detect_model_build(&r, &m);
	assert_int_equal(m.score, 85);
	assert_int_equal(domain(&m, "Resource Limits")->score, 0);
	assert_string_equal(domain(&m, "Resource Limits")->active, "");
	assert_int_equal(m.n_tips, 1);
	assert_string_equal(m.tips[0].feature, "cgroups-v2");
	assert_string_equal(m.tips[0].status, "unavailable");
	assert_non_null(strstr(m.tips[0].impact, "(+15 pts)"));
}

static void test_no_tip_for_redundant_backend(void **state)
{
	struct detect_result r;
	struct detect_model m;

	all_available(&r);
	r.fuse.ok = false; /* File Protection still has landlock: no points to win */
	detect_model_build(&r, &m);
	assert_int_equal(m.n_tips, 0);
	assert_string_equal(domain(&m, "File Protection")->active, "landlock");
}

static void test_ptrace_only_machine_like_gvisor(void **state)
{
	struct detect_result r;
	struct detect_model m;

	memset(&r, 0, sizeof(r));
	r.ptrace.ok = true;
	r.seccomp.ok = true;
	detect_model_build(&r, &m);
	assert_int_equal(m.mode, DETECT_MODE_PTRACE);
	assert_string_equal(domain(&m, "Command Control")->active, "ptrace");
	assert_int_equal(m.score, 25);
	assert_string_equal(domain(&m, "File Protection")->active, "none");
	/* File 25 + Network 20 + Limits 15 + Isolation 15 missing: a tip per missing backend. */
	assert_int_equal(m.n_tips, 3 + 2 + 1 + 2);
}

static void test_auto_mode_order(void **state)
{
	struct detect_result r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(detect_select_mode(&r), DETECT_MODE_MINIMAL);
	r.landlock.ok = true;
	assert_int_equal(detect_select_mode(&r), DETECT_MODE_LANDLOCK_ONLY);
	r.fuse.ok = true;
	assert_int_equal(detect_select_mode(&r), DETECT_MODE_LANDLOCK);
	r.ptrace.ok = true;
	assert_int_equal(detect_select_mode(&r), DETECT_MODE_PTRACE);
	r.seccomp_notify.ok = true;
	assert_int_equal(detect_select_mode(&r), DETECT_MODE_PTRACE); /* full also needs ebpf */
	r.ebpf.ok = true;
	assert_int_equal(detect_select_mode(&r), DETECT_MODE_FULL);
}

static void test_resolve_mode_strict_and_minimum(void **state)
{
	struct detect_result r;
	enum detect_mode got;
	char why[200];

	memset(&r, 0, sizeof(r));
	r.ptrace.ok = true;
	assert_int_equal(detect_resolve_mode(&r, "auto", NULL, true, &got, why, sizeof(why)), 0);
	assert_int_equal(got, DETECT_MODE_PTRACE);
	assert_int_equal(detect_resolve_mode(&r, "full", NULL, true, &got, why, sizeof(why)),
			 -ENOTSUP);
	assert_non_null(strstr(why, "seccomp-notify"));
	/* Not strict: degrade to what the machine has. */
	assert_int_equal(detect_resolve_mode(&r, "full", NULL, false, &got, why, sizeof(why)), 0);
	assert_int_equal(got, DETECT_MODE_PTRACE);
	r.ptrace.ok = false;
	assert_int_equal(detect_resolve_mode(&r, "auto", "ptrace", false, &got, why, sizeof(why)),
			 -ENOTSUP);
	assert_non_null(strstr(why, "below minimum_mode ptrace"));
	assert_int_equal(detect_resolve_mode(&r, "bogus", NULL, false, &got, why, sizeof(why)),
			 -ENOTSUP);
	assert_non_null(strstr(why, "unknown security.mode"));
}

static void test_json_report_fields(void **state)
{
	struct detect_result r;
	struct detect_model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	all_available(&r);
	r.cgroup2.ok = false;
	detect_model_build(&r, &m);
	assert_int_equal(detect_write(f, &r, &m, DETECT_FORMAT_JSON), 0);
	fclose(f);
	for (const char *const *k = (const char *const[]){ "\"platform\": \"linux\"",
		"\"security_mode\": \"full\"", "\"protection_score\": 85", "\"check_method\"",
		"\"active\": \"landlock\"", "\"landlock_abi\": 7", "\"unavailable\": [\"cgroups-v2\"]",
		"\"impact\": \"Resource limits unavailable (+15 pts)\"", NULL }; *k; k++)
		assert_non_null(strstr(buf, *k));
	free(buf);
}

static void test_table_layout(void **state)
{
	struct detect_result r;
	struct detect_model m;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	all_available(&r);
	snprintf(r.landlock.detail, sizeof(r.landlock.detail), "ABI v7");
	detect_model_build(&r, &m);
	assert_int_equal(detect_write(f, &r, &m, DETECT_FORMAT_TABLE), 0);
	fclose(f);
	assert_non_null(strstr(buf, "Platform:         linux\nSecurity Mode:    full\n"
				    "Protection Score: 100/100\n"));
	assert_non_null(strstr(buf, "FILE PROTECTION                          25/25\n"));
	assert_non_null(strstr(buf, "  landlock             ✓  ABI v7           kernel path "
				    "restrictions\n"));
	assert_non_null(strstr(buf, "  active backend:    landlock\n"));
	assert_non_null(strstr(buf, "CAPABILITIES\n"));
	assert_non_null(strstr(buf, "  landlock_abi             ✓ (v7)\n"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domains_and_weights_match_compat),
		cmocka_unit_test(test_one_backend_gives_full_domain_weight),
		cmocka_unit_test(test_missing_domain_gives_tip_with_points),
		cmocka_unit_test(test_no_tip_for_redundant_backend),
		cmocka_unit_test(test_ptrace_only_machine_like_gvisor),
		cmocka_unit_test(test_auto_mode_order),
		cmocka_unit_test(test_resolve_mode_strict_and_minimum),
		cmocka_unit_test(test_json_report_fields),
		cmocka_unit_test(test_table_layout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
