/* execve / execveat: the program (canonical and as written) and argv. */
#include "compat.h"
#include "syscalls.h"
#include "mem.h"
#include "fs/resolve.h"

#include <fcntl.h>
#include <gelf.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>

static int push_arg(struct op *op, const char *s, size_t n)
{
	char *copy;

	if (op->argc >= OP_MAX_ARGC || op->argv_bytes + n + 1 > OP_MAX_ARGV_BYTES) {
		op->truncated = true;
		return 1;
	}
	copy = strndup(s, n);
	if (!copy)
		return -ENOMEM;
	op->argv[op->argc++] = copy;
	op->argv_bytes += n + 1;
	return 0;
}

/* Reads the pointer array argv[] (4-byte pointers for i386/x32). */
static int read_argv(const struct sc_ctx *c, struct op *op, uint64_t vec)
{
	int ws = arch_abi_wordsize(c->abi);
	char *buf = malloc(OP_MAX_ARGV_BYTES);
	struct mem_pages *pc = malloc(sizeof(*pc));
	int r = 0;

	op->argv = calloc(OP_MAX_ARGC + 1, sizeof(char *));
	if (!buf || !op->argv || !pc) {
		free(buf);
		free(pc);
		return -ENOMEM;
	}
	mem_pages_init(pc, c->tid);
	for (int i = 0; vec && i <= OP_MAX_ARGC; i++) {
		uint64_t p = 0;
		ssize_t n;

		r = mem_pages_read(pc, vec + (uint64_t)i * (uint64_t)ws, &p, (size_t)ws);
		if (r)
			break;
		if (!p)
			break;
		n = mem_pages_read_str(pc, p, buf, OP_MAX_ARGV_BYTES);
		if (n == -ENAMETOOLONG) {
			op->truncated = true;
			break;
		}
		if (n < 0) {
			r = (int)n;
			break;
		}
		r = push_arg(op, buf, (size_t)n);
		if (r) {
			r = r > 0 ? 0 : r;
			break;
		}
	}
	free(buf);
	free(pc);
	return r;
}

/*
 * Opens host for reading only if it is a regular file the kernel could run:
 * the tracer opens it as itself, and opening a device (a watchdog, a tape)
 * or reading a /proc file can act by itself.
 * *same: the file opened is the one named `want` as we see it (its path as
 * the fd gives it back), so its identity belongs to the name judged; a name
 * swapped between the walk and this open is not.
 */
static int open_regular(const char *host, const char *want, struct stat *st, bool *same)
{
	char self[64], real[PATH_MAX];
	int fd = open(host, O_PATH | O_CLOEXEC), rfd = -1;
	ssize_t n;

	*same = false;
	if (fd < 0)
		return -1;
	snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
	/* The kernel runs only a regular file with an exec bit; /proc and /sys
	 * files (kmsg: a read that drains the kernel log and blocks) have none. */
	if (fstat(fd, st) == 0 && S_ISREG(st->st_mode) && (st->st_mode & 0111)) {
		n = want ? readlink(self, real, sizeof(real) - 1) : -1;
		if (n > 0) {
			real[n] = 0;
			*same = strcmp(real, want) == 0;
		}
		rfd = open(self, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	}
	close(fd);
	return rfd;
}

/* An ELF program's PT_INTERP, the loader the kernel starts instead of it:
 * 0 and its name in out; 1 none (static, not ELF); <0 unreadable. */
static int elf_interp(int fd, char *out, size_t cap)
{
	GElf_Phdr ph;
	size_t n, len;
	const char *raw;
	int r = 1;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getphdrnum(e, &n) < 0) {
		elf_end(e);
		return -EINVAL;
	}
	for (size_t i = 0; i < n && r == 1; i++) {
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_INTERP)
			continue;
		raw = elf_rawfile(e, &len);
		if (!raw || ph.p_offset > len || ph.p_filesz > len - ph.p_offset || !ph.p_filesz ||
		    ph.p_filesz >= cap)
			r = -EINVAL;
		else if (memcpy(out, raw + ph.p_offset, ph.p_filesz), out[ph.p_filesz] = 0, !out[0])
			r = -EINVAL;
		else
			r = 0;
	}
	elf_end(e);
	return r;
}

/* The system's own dynamic loaders, by identity (read once). */
static struct {
	dev_t dev;
	ino_t ino;
} loaders[8];
static size_t nloaders;
static pthread_once_t loaders_once = PTHREAD_ONCE_INIT;

static void loaders_read(void)
{
	static const char *const names[] = {
		"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux.so.2",	   "/libx32/ld-linux-x32.so.2",
		"/lib/ld-linux-aarch64.so.1",  "/lib/ld-linux-armhf.so.3", "/lib/ld-musl-x86_64.so.1",
		"/lib/ld-musl-aarch64.so.1",
	};
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(names) && nloaders < ARRAY_SIZE(loaders); i++)
		if (stat(names[i], &st) == 0) {
			loaders[nloaders].dev = st.st_dev;
			loaders[nloaders++].ino = st.st_ino;
		}
}

bool syscalls_system_loader(const struct stat *st)
{
	pthread_once(&loaders_once, loaders_read);
	for (size_t i = 0; i < nloaders; i++)
		if (loaders[i].dev == st->st_dev && loaders[i].ino == st->st_ino)
			return true;
	return false;
}

/*
 * A program whose PT_INTERP names another program than the system's
 * loader: the kernel starts that one's code, as it does a "#!" line's
 * interpreter, so it is judged the same way (op->loader). The system's
 * loader itself (every dynamic program's) is not: it runs what it loads.
 */
static void read_elf_interp(const struct sc_ctx *c, struct op *op, int fd)
{
	char name[PATH_MAX], path[PATH_MAX], host[PATH_MAX + 32];
	struct stat st;

	if (elf_interp(fd, name, sizeof(name)) != 0 ||
	    fs_resolve_in(c->root, c->tid, c->tgid, AT_FDCWD, name, true, false, path, sizeof(path)))
		return; /* none, or the kernel fails the exec: nothing runs */
	snprintf(host, sizeof(host), "/proc/%d/root%s", c->tgid, path);
	if (stat(host, &st) == 0 && syscalls_system_loader(&st))
		return;
	snprintf(op->loader, sizeof(op->loader), "%s", path);
}

/*
 * A "#!" script runs its interpreter without another execve: read the line
 * as the kernel does (fs/binfmt_script.c: the first 256 bytes, the name up
 * to a blank, the rest trimmed is one argument) and resolve the name in the
 * tracee's root and cwd. Nested scripts are followed as the kernel follows
 * them (up to its 4 levels); the last file is the program that runs.
 */
static void read_shebang(const struct sc_ctx *c, struct op *op)
{
	char host[PATH_MAX + 32], want[PATH_MAX + 4096], buf[257], name[PATH_MAX];
	const char *prog = op->p1.path;
	struct stat st;
	bool same, chain = true; /* every file read so far is the one named */

	for (int depth = 0; depth < 5; depth++) {
		char *s, *e, *arg;
		ssize_t n;
		int fd;

		snprintf(host, sizeof(host), "/proc/%d/root%s", c->tgid, prog);
		/* The name as our own root sees it (NULL: another mount namespace). */
		if (c->root)
			snprintf(want, sizeof(want), "%s%s", c->root, prog);
		fd = open_regular(host, c->root ? want : NULL, &st, &same);
		op->prog_known = false;
		if (fd < 0)
			return;
		/* What the kernel runs, unless this is a script; known only when
		 * it is the file of the name judged (else decided at the event). */
		chain = chain && same;
		op->prog_known = chain;
		op->prog_dev = st.st_dev;
		op->prog_ino = st.st_ino;
		n = read(fd, buf, sizeof(buf) - 1);
		if (n >= SELFMAG && memcmp(buf, ELFMAG, SELFMAG) == 0)
			read_elf_interp(c, op, fd);
		close(fd);
		if (n < 2 || buf[0] != '#' || buf[1] != '!')
			return;
		buf[n] = 0;
		if ((e = strchr(buf, '\n')))
			*e = 0;
		for (s = buf + 2; *s == ' ' || *s == '\t'; s++)
			;
		if (!*s)
			return; /* ENOEXEC natively */
		e = s + strcspn(s, " \t");
		arg = *e ? e + 1 : e;
		*e = 0;
		while (*arg == ' ' || *arg == '\t')
			arg++;
		for (e = arg + strlen(arg); e > arg && (e[-1] == ' ' || e[-1] == '\t'); e--)
			e[-1] = 0;
		op->prog_known = false; /* the interpreter runs */
		if (fs_resolve_in(c->root, c->tid, c->tgid, AT_FDCWD, s, true, false, name,
				  sizeof(name)))
			return; /* the kernel fails the exec: nothing runs */
		snprintf(op->interp, sizeof(op->interp), "%s", name);
		snprintf(op->interp_arg, sizeof(op->interp_arg), "%s", arg);
		prog = op->interp;
	}
}

int dec_exec(const struct sc_ctx *c, struct op *op)
{
	const struct syscall_def *sc = op->sc;
	bool execveat = sc->dirfd >= 0;
	int flags = execveat ? (int)c->args[4] : 0;
	int argv_idx = execveat ? 2 : 1;
	ssize_t n;
	int r;

	op->kind = OP_EXEC;
	n = mem_read_str(c->tid, c->args[sc->path], op->p1.raw, sizeof(op->p1.raw));
	if (n < 0) {
		op->err_what = "filename";
		return op->err = (int)n;
	}
	op->p1.dirfd = execveat ? (int)(int32_t)c->args[0] : AT_FDCWD;
	op->p1.follow = !(flags & AT_SYMLINK_NOFOLLOW);
	r = fs_resolve_typed(c->root, c->tid, c->tgid, op->p1.dirfd, op->p1.raw,
			     FS_SLASH_FOLLOWS | (op->p1.follow ? FS_FOLLOW : 0) |
				     (flags & AT_EMPTY_PATH ? FS_EMPTY_OK : 0),
			     op->p1.path, sizeof(op->p1.path), op->p1.pin, sizeof(op->p1.pin),
			     op->p2.path, sizeof(op->p2.path));
	if (r) {
		/* The kernel will fail the exec itself; name what was asked. */
		snprintf(op->p1.path, sizeof(op->p1.path), "%s", op->p1.raw);
		op->arg1 = (uint64_t)-r;
	}
	op->npaths = 1;
	op->flags = (uint64_t)flags;
	/* The name as typed, final symlink kept (p2 is not a second path here):
	 * policies name commands as users type them (sh, python3). */
	if (!op->p2.path[0] &&
	    fs_resolve_in(c->root, c->tid, c->tgid, op->p1.dirfd, op->p1.raw, false, flags & AT_EMPTY_PATH,
			  op->p2.path, sizeof(op->p2.path)))
		snprintf(op->p2.path, sizeof(op->p2.path), "%s", op->p1.path);
	r = read_argv(c, op, c->args[argv_idx]);
	if (r) {
		op->err_what = "argv";
		op->err = r;
	}
	if (!op->arg1)
		read_shebang(c, op);
	return 0;
}
