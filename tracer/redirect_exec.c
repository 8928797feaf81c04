/* An exec redirect (command_rules redirect_to): a new program, argv and env,
 * written below the stopped thread's stack pointer. */
#include "compat.h"
#include "tracer_int.h"
#include "syscalls/mem.h"
#include "syscalls/syscalls.h"

#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>

struct builder {
	pid_t tid;
	uint64_t sp;
	int ws; /* pointer size of the ABI */
};

static uint64_t put(struct builder *b, const void *data, size_t len)
{
	uint64_t at = (b->sp - len) & ~(uint64_t)15;

	if (mem_write(b->tid, at, data, len) < 0)
		return 0;
	b->sp = at;
	return at;
}

static uint64_t put_str(struct builder *b, const char *s)
{
	return put(b, s, strlen(s) + 1);
}

/* Finds a command without '/' on PATH, as execvp would. */
static void find_program(const char *cmd, char *out, size_t cap)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	snprintf(out, cap, "%s", cmd);
	if (strchr(cmd, '/') || !path)
		return;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, p, cmd);
		if (access(buf, X_OK) == 0) {
			snprintf(out, cap, "%s", buf);
			return;
		}
		p += n + (p[n] == ':');
	}
}

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* Pointer arrays are written in the ABI's word size. */
static uint64_t put_ptrs(struct builder *b, const uint64_t *p, size_t n)
{
	uint32_t *p32;
	uint64_t at;

	if (b->ws == 8)
		return put(b, p, n * 8);
	p32 = calloc(n, 4);
	if (!p32)
		return 0;
	for (size_t i = 0; i < n; i++)
		p32[i] = (uint32_t)p[i];
	at = put(b, p32, n * 4);
	free(p32);
	return at;
}

static int build_argv(struct builder *b, const struct op *op, const struct exec_redirect *r,
		      const char *prog, uint64_t *argv_at)
{
	size_t na = count(r->args), nz = count(r->args_append);
	size_t total = 1 + na + (op->argc > 0 ? (size_t)op->argc - 1 : 0) + nz;
	uint64_t *ptrs = calloc(total + 1, sizeof(uint64_t));
	size_t k = 0;
	int err = 0;

	if (!ptrs)
		return -ENOMEM;
	ptrs[k++] = put_str(b, r->command ? r->command : prog);
	for (size_t i = 0; i < na; i++)
		ptrs[k++] = put_str(b, r->args[i]);
	for (int i = 1; i < op->argc; i++)
		ptrs[k++] = put_str(b, op->argv[i]);
	for (size_t i = 0; i < nz; i++)
		ptrs[k++] = put_str(b, r->args_append[i]);
	for (size_t i = 0; i < k; i++)
		if (!ptrs[i])
			err = -EFAULT;
	*argv_at = err ? 0 : put_ptrs(b, ptrs, k + 1);
	free(ptrs);
	return err ? err : (*argv_at ? 0 : -EFAULT);
}

/* New entries first (getenv finds the first), then the caller's pointers. */
static int build_envp(struct builder *b, const struct exec_redirect *r, uint64_t old_envp,
		      uint64_t *envp_at)
{
	size_t ne = count(r->environment), n = 0;
	uint64_t *ptrs;
	int err = 0;

	if (!ne) {
		*envp_at = old_envp;
		return 0;
	}
	ptrs = calloc(ne + 4097, sizeof(uint64_t));
	if (!ptrs)
		return -ENOMEM;
	for (size_t i = 0; i < ne; i++)
		if (!(ptrs[n++] = put_str(b, r->environment[i])))
			err = -EFAULT;
	for (size_t i = 0; old_envp && !err && i < 4096; i++) {
		uint64_t p = 0;
		if (mem_read(b->tid, old_envp + i * (uint64_t)b->ws, &p, (size_t)b->ws) < 0 || !p)
			break;
		ptrs[n++] = p;
	}
	*envp_at = err ? 0 : put_ptrs(b, ptrs, n + 1);
	free(ptrs);
	return err ? err : (*envp_at ? 0 : -EFAULT);
}

int tracer_redirect_exec(struct tracer *t, struct tracee *tr, const struct op *op,
			 const struct decision_out *d)
{
	const struct exec_redirect *r = d->v.exec_redirect;
	enum abi abi = tr->cur_abi;
	bool at = op->sc->dirfd >= 0; /* execveat: args shift by one */
	struct builder b = { .tid = tr->tid, .ws = arch_abi_wordsize(abi) };
	struct arch_regs regs;
	char prog[PATH_MAX];
	uint64_t file_at, argv_at, envp_at;
	int err;

	if (!r || !r->command)
		return -EINVAL;
	err = arch_host->get_regs(tr->tid, &regs);
	if (err)
		return err;
	b.sp = arch_host->get_sp(&regs) - 4096;
	find_program(r->command, prog, sizeof(prog));
	file_at = put_str(&b, prog);
	if (!file_at)
		return -EFAULT;
	err = build_argv(&b, op, r, prog, &argv_at);
	if (!err)
		err = build_envp(&b, r, arch_host->get_arg(&regs, abi, at ? 3 : 2), &envp_at);
	if (err)
		return err;
	if (at) {
		arch_host->set_arg(&regs, abi, 0, (uint64_t)-100); /* AT_FDCWD */
		arch_host->set_arg(&regs, abi, 4, 0);
	}
	arch_host->set_arg(&regs, abi, at ? 1 : 0, file_at);
	arch_host->set_arg(&regs, abi, at ? 2 : 1, argv_at);
	arch_host->set_arg(&regs, abi, at ? 3 : 2, envp_at);
	return arch_host->set_regs(tr->tid, &regs);
}
