/* eBPF: load a trivial cgroup/connect4 program and attach it to a probe cgroup, then undo. */
#include "compat.h"
#include "detect/detect.h"

#include <bpf/bpf.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

/* r0 = 1 (allow the connect); exit. */
static const struct bpf_insn allow_prog[] = {
	{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
	{ .code = BPF_JMP | BPF_EXIT },
};

static int load_connect4(void)
{
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .expected_attach_type = BPF_CGROUP_INET4_CONNECT);
	int fd = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, "agentsh_probe", "GPL", allow_prog,
			       ARRAY_SIZE(allow_prog), &opts);

	return fd < 0 ? -errno : fd;
}

static int attach_and_detach(int prog, const char *cgdir, const char **step)
{
	int cg = open(cgdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), err = 0;

	*step = "open cgroup";
	if (cg < 0)
		return -errno;
	*step = "attach";
	if (bpf_prog_attach(prog, cg, BPF_CGROUP_INET4_CONNECT, 0) < 0) {
		err = -errno;
	} else {
		*step = "detach";
		if (bpf_prog_detach2(prog, cg, BPF_CGROUP_INET4_CONNECT) < 0)
			err = -errno;
	}
	close(cg);
	return err;
}

void detect_probe_ebpf(struct detect_result *r)
{
	char dir[DETECT_PATH_MAX + 64];
	const char *step = "mkdir probe cgroup";
	int prog, err;

	if (!r->cgroup2_mounted) {
		detect_set(&r->ebpf, false, "%s", "no cgroup v2");
		return;
	}
	snprintf(dir, sizeof(dir), "%s/agentsh-bpf-probe-%d", r->cgroup2_path, (int)getpid());
	if (mkdir(dir, 0700) < 0) {
		detect_set(&r->ebpf, false, "%s: %s", step, strerror(errno));
		return;
	}
	prog = load_connect4();
	if (prog < 0) {
		step = "prog load";
		err = prog;
	} else {
		err = attach_and_detach(prog, dir, &step);
		close(prog);
	}
	if (rmdir(dir) < 0 && !err) {
		step = "rmdir probe cgroup";
		err = -errno;
	}
	if (err < 0)
		detect_set(&r->ebpf, false, "%s: %s", step, strerror(-err));
	else
		detect_set(&r->ebpf, true, "%s", "cgroup/connect4");
}
