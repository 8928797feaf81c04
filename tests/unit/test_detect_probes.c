/*
 * The probes against ground truth on this machine, and against kernels that say no:
 * each negative case runs the probe in a child whose seccomp filter makes one syscall fail.
 */
#include "compat.h"
#include "detect/detect.h"

#include <dirent.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <cmocka.h>

static struct detect_result machine;

static int setup(void **state)
{
	detect_run(&machine);
	printf("# probes took %.2f ms (ptrace %.2f, seccomp %.2f, ebpf %.2f, cgroup2 %.2f)\n",
	       machine.total_ms, machine.ptrace.ms, machine.seccomp.ms, machine.ebpf.ms,
	       machine.cgroup2.ms);
	return 0;
}

static void test_landlock_abi_matches_syscall(void **state)
{
	long abi = syscall(444 /* landlock_create_ruleset */, NULL, 0, 1U);

	assert_int_equal(machine.landlock_abi, abi < 0 ? 0 : abi);
	assert_int_equal(machine.landlock.ok, abi > 0);
	assert_int_equal(machine.landlock_network, abi >= 4);
}

static void test_cgroup2_mount_matches_findmnt(void **state)
{
	FILE *p = popen("findmnt -n -t cgroup2 -o TARGET 2>/dev/null | head -1", "r");
	char want[512] = "";

	if (!p || !fgets(want, sizeof(want), p)) {
		if (p)
			pclose(p);
		assert_false(machine.cgroup2_mounted);
		return;
	}
	pclose(p);
	want[strcspn(want, "\n")] = '\0';
	printf("# cgroup2 mount %s, own cgroup %s, controllers '%s'\n", machine.cgroup2_mount,
	       machine.cgroup2_path, machine.cgroup2_controllers);
	assert_true(machine.cgroup2_mounted);
	assert_string_equal(machine.cgroup2_mount, want);
	assert_int_equal(strncmp(machine.cgroup2_path, want, strlen(want)), 0);
}

static uint64_t status_hex(const char *key)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	unsigned long long v = 0;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, strlen(key)) == 0)
			sscanf(line + strlen(key), " %llx", &v);
	if (f)
		fclose(f);
	return v;
}

static void test_caps_match_proc_status(void **state)
{
	assert_int_equal(machine.cap_effective, status_hex("CapEff:"));
	assert_int_equal(machine.cap_bounding, status_hex("CapBnd:"));
}

static void test_yama_matches_procfs(void **state)
{
	assert_int_equal(machine.yama_ptrace_scope >= 0,
			 access("/proc/sys/kernel/yama/ptrace_scope", F_OK) == 0);
}

static void test_not_gvisor_on_a_real_kernel(void **state)
{
	struct utsname u;

	uname(&u);
	if (strcmp(u.release, "4.4.0") != 0)
		assert_false(machine.gvisor.ok);
}

static void test_probes_leave_no_state(void **state)
{
	struct detect_result r;
	struct dirent *de;
	DIR *d;

	detect_run(&r);
	assert_true(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	if (!r.cgroup2_mounted || !(d = opendir(r.cgroup2_path)))
		return;
	/* Only the probes' own cgroups: session cgroups of the eBPF backend
	 * (agentsh-PID-N) may exist while other tests run. */
	while ((de = readdir(d)))
		assert_null(strstr(de->d_name, "-probe-"));
	closedir(d);
}

/* In a child: make syscall nr fail with err, run probe, exit with its ok flag. */
static bool probe_with_syscall_failing(long nr, int err, void (*probe)(struct detect_result *),
				       size_t ok_offset)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned int)nr, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned int)err),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(f), .filter = f };
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		struct detect_result r;

		memset(&r, 0, sizeof(r));
		detect_probe_caps(&r);
		detect_probe_cgroup2(&r);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
			_exit(2);
		probe(&r);
		_exit(*((bool *)((char *)&r + ok_offset)) ? 1 : 0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 2);
	return WEXITSTATUS(st) == 1;
}

#define OK_AT(field) offsetof(struct detect_result, field.ok)

static void test_blocked_syscalls_make_probes_fail(void **state)
{
	assert_false(probe_with_syscall_failing(SYS_ptrace, EPERM, detect_probe_ptrace,
						OK_AT(ptrace)));
	assert_false(probe_with_syscall_failing(SYS_seccomp, EPERM, detect_probe_seccomp,
						OK_AT(seccomp)));
	assert_false(probe_with_syscall_failing(SYS_seccomp, EPERM, detect_probe_seccomp,
						OK_AT(seccomp_notify)));
	assert_false(probe_with_syscall_failing(444, ENOSYS, detect_probe_landlock,
						OK_AT(landlock)));
	assert_false(probe_with_syscall_failing(SYS_bpf, EPERM, detect_probe_ebpf, OK_AT(ebpf)));
	/* And the same child setup without the block agrees with the machine. */
	assert_int_equal(probe_with_syscall_failing(SYS_getpid + 100000, EPERM,
						    detect_probe_ebpf, OK_AT(ebpf)),
			 machine.ebpf.ok);
}

static void test_dropped_bounding_cap_is_seen(void **state)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		struct detect_result r;

		memset(&r, 0, sizeof(r));
		if (prctl(PR_CAPBSET_DROP, DETECT_CAP_NET_ADMIN, 0, 0, 0) < 0)
			_exit(77);
		detect_probe_caps(&r);
		_exit(r.caps.ok && !(r.cap_bounding & (1ULL << DETECT_CAP_NET_ADMIN)) &&
				      r.caps_dropped_bounding == machine.caps_dropped_bounding + 1
			      ? 0
			      : 1);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void test_pid_namespace_seen_in_new_pidns(void **state)
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		pid_t inner;

		if (unshare(CLONE_NEWPID) < 0)
			_exit(77);
		inner = fork();
		if (inner == 0) {
			struct detect_result r;

			memset(&r, 0, sizeof(r));
			detect_probe_pidns(&r);
			_exit(r.pid_namespace.ok && r.pidns_depth == machine.pidns_depth + 1 ? 0 : 1);
		}
		if (inner < 0 || waitpid(inner, &st, 0) != inner)
			_exit(1);
		_exit(WEXITSTATUS(st));
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (WEXITSTATUS(st) == 77)
		skip();
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_landlock_abi_matches_syscall),
		cmocka_unit_test(test_cgroup2_mount_matches_findmnt),
		cmocka_unit_test(test_caps_match_proc_status),
		cmocka_unit_test(test_yama_matches_procfs),
		cmocka_unit_test(test_not_gvisor_on_a_real_kernel),
		cmocka_unit_test(test_probes_leave_no_state),
		cmocka_unit_test(test_blocked_syscalls_make_probes_fail),
		cmocka_unit_test(test_dropped_bounding_cap_is_seen),
		cmocka_unit_test(test_pid_namespace_seen_in_new_pidns),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
