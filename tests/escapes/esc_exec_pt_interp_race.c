/*
 * Vector 7, raced: esc_exec_pt_interp is now judged at the decision by the
 * PT_INTERP read from the file (syscalls/decode_exec.c read_elf_interp),
 * but the exec event checks only the program's identity (/proc/PID/exe),
 * and rewriting the PT_INTERP bytes in place keeps that identity. A child
 * rewrites work/esc_pi's PT_INTERP between the system's loader and
 * work/denied (a tiny static program whose name the policy denies: it
 * creates argv[1]) with open/pwrite/close (an exec fails ETXTBSY while a
 * writer is open), while we exec work/esc_pi MARKER for 5 s. esc_pi's own
 * code only exits; only denied's creates the marker.
 * success = the marker exists.
 * expect: ptrace_execve
 */
#include "esc.h"
#include <elf.h>
#include <limits.h>
#include <signal.h>

#define LOADER "/lib64/ld-linux-x86-64.so.2"

/* mov rdi,[rsp+16]; open(rdi, O_WRONLY|O_CREAT, 0644); exit(0) */
static const uint8_t touch_code[] = {
	0x48, 0x8b, 0x7c, 0x24, 0x10, 0xbe, 0x41, 0, 0, 0, 0xba, 0xa4, 0x01, 0, 0,
	0xb8, 0x02, 0, 0, 0, 0x0f, 0x05, 0xbf, 0, 0, 0, 0, 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05,
};
/* exit(0) */
static const uint8_t exit_code[] = { 0xbf, 0, 0, 0, 0, 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05 };

/* An ELF at vaddr base: one PT_LOAD of the whole file (code at its end) and,
 * with interp_len, a PT_INTERP of that many bytes (interp, NUL-padded);
 * *interp_off gets its file offset. */
static void write_elf(const char *path, uint64_t base, const char *interp, size_t interp_len,
		      const uint8_t *code, size_t code_len, size_t *interp_off)
{
	uint8_t buf[8192] = { 0 };
	Elf64_Ehdr *e = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*e));
	size_t nph = interp ? 2 : 1, off = sizeof(*e) + nph * sizeof(*ph);
	int fd;

	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_phoff = sizeof(*e);
	e->e_ehsize = sizeof(*e);
	e->e_phentsize = sizeof(*ph);
	e->e_phnum = (Elf64_Half)nph;
	if (interp) {
		if (off + interp_len + code_len > sizeof(buf))
			esc_skip("fixture path too long");
		ph[1] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_flags = PF_R, .p_offset = off,
				      .p_vaddr = base + off, .p_paddr = base + off,
				      .p_filesz = interp_len, .p_memsz = interp_len, .p_align = 1 };
		memcpy(buf + off, interp, strlen(interp));
		*interp_off = off;
		off += interp_len;
	}
	memcpy(buf + off, code, code_len);
	e->e_entry = base + off;
	off += code_len;
	ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
			      .p_vaddr = base, .p_paddr = base, .p_filesz = off, .p_memsz = off,
			      .p_align = 0x1000 };
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, buf, off) != (ssize_t)off || close(fd) < 0)
		esc_broken("write %s: %s", path, strerror(errno));
}

int main(void)
{
	const char *denied = esc_fmt("%s/denied", esc_work());
	const char *loader = esc_fmt("%s/esc_pi", esc_work());
	const char *marker = esc_marker("ptinterp-race");
	char *argv[] = { "esc_pi", (char *)marker, NULL };
	char names[2][PATH_MAX] = { { 0 } };
	size_t len, at = 0;
	long tries = 0;
	pid_t writer;

#ifndef __x86_64__
	esc_skip("the hand-made ELFs are x86_64");
#endif
	if (access(LOADER, X_OK) < 0)
		esc_skip("no %s", LOADER);
	snprintf(names[0], sizeof(names[0]), "%s", LOADER);
	snprintf(names[1], sizeof(names[1]), "%s", denied);
	len = (strlen(names[0]) > strlen(names[1]) ? strlen(names[0]) : strlen(names[1])) + 1;
	write_elf(denied, 0x400000, NULL, 0, touch_code, sizeof(touch_code), NULL);
	write_elf(loader, 0x600000, names[0], len, exit_code, sizeof(exit_code), &at);
	writer = fork();
	if (writer < 0)
		esc_broken("fork: %s", strerror(errno));
	if (writer == 0)
		for (int i = 0;; i ^= 1) {
			int fd = open(loader, O_WRONLY);

			if (fd < 0)
				continue;
			if (pwrite(fd, names[i], len, (off_t)at) != (ssize_t)len)
				_exit(2);
			close(fd);
		}
	for (double end = esc_now() + esc_race_seconds(); esc_now() < end && !esc_exists(marker); tries++)
		esc_spawn_marker(loader, argv, marker);
	kill(writer, SIGKILL);
	esc_wait(writer);
	if (esc_exists(marker))
		esc_success("work/esc_pi ran work/denied as its PT_INTERP after %ld execs", tries);
	esc_blocked("denied never ran in %ld execs", tries);
}
