/*
 * Vector 7: the ELF interpreter. The kernel loads the program named by a
 * binary's PT_INTERP (normally ld.so) and starts THAT program's code, with
 * no execve of its own: like a #! line, but in the ELF header. Any static
 * program can be so named (a Go tool, busybox-static, a static sudo ...).
 * We write work/denied, a tiny static program (touch: creates argv[1]),
 * whose name the policy denies, and work/esc_pi, an allowed name whose
 * PT_INTERP is work/denied; exec esc_pi MARKER runs denied's code. The
 * exec is judged by esc_pi's name, and what runs is esc_pi by /proc/PID/exe.
 * (Control: exec work/denied directly must be denied.)
 * success = the marker exists.
 * expect: ptrace_execve
 */
#include "esc.h"
#include <elf.h>

/* mov rdi,[rsp+16]; open(rdi, O_WRONLY|O_CREAT, 0644); exit(0) */
static const uint8_t touch_code[] = {
	0x48, 0x8b, 0x7c, 0x24, 0x10, 0xbe, 0x41, 0, 0, 0, 0xba, 0xa4, 0x01, 0, 0,
	0xb8, 0x02, 0, 0, 0, 0x0f, 0x05, 0xbf, 0, 0, 0, 0, 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05,
};

/* An ELF at vaddr base: one PT_LOAD of the whole file (code at its end),
 * and a PT_INTERP (interp) when given. */
static void write_elf(const char *path, uint64_t base, const char *interp)
{
	uint8_t buf[4096] = { 0 };
	Elf64_Ehdr *e = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*e));
	size_t nph = interp ? 2 : 1, off = sizeof(*e) + nph * sizeof(*ph), ilen;
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
		ilen = strlen(interp) + 1;
		if (off + ilen + sizeof(touch_code) > sizeof(buf))
			esc_skip("fixture path too long");
		ph[1] = (Elf64_Phdr){ .p_type = PT_INTERP, .p_flags = PF_R, .p_offset = off,
				      .p_vaddr = base + off, .p_paddr = base + off,
				      .p_filesz = ilen, .p_memsz = ilen, .p_align = 1 };
		memcpy(buf + off, interp, ilen);
		off += ilen;
	}
	memcpy(buf + off, touch_code, sizeof(touch_code));
	e->e_entry = base + off;
	off += sizeof(touch_code);
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
	const char *m1 = esc_marker("ptinterp-direct"), *m2 = esc_marker("ptinterp");
	char *direct[] = { "denied", (char *)m1, NULL };
	char *via[] = { "esc_pi", (char *)m2, NULL };

#ifndef __x86_64__
	esc_skip("the hand-made ELFs are x86_64");
#endif
	write_elf(denied, 0x400000, NULL);
	write_elf(loader, 0x600000, denied);
	printf("direct exec of work/denied: %s\n",
	       esc_spawn_marker(denied, direct, m1) ? "ran" : "refused");
	if (esc_spawn_marker(loader, via, m2))
		esc_success("work/esc_pi ran work/denied's code as its PT_INTERP");
	esc_blocked("the interpreter did not run");
}
