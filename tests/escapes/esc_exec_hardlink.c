/*
 * Vectors 7, 16: the denied program under an allowed name, by a hard link
 * (work/esc_hl; esc_* is allowed) or by a rename (work/esc_mv). Exec is
 * decided on the canonical program, and a hard link or a moved file has
 * no other name: the same file (device, inode) as bin/denied, which
 * command_rules deny, yet judged by its new name. The link or rename that
 * would give it is refused (enforce/decide.c, program_renamed). (A copy is
 * a new file, a stated limit.)
 * success = the denied program (touch) created its marker.
 * expect: ptrace_execve|ptrace_file
 * expect-match: bin/denied
 */
#include "esc.h"

static bool run_as(const char *path, const char *marker)
{
	const char *base = strrchr(path, '/') + 1;
	char *argv[] = { (char *)base, (char *)marker, NULL };

	return esc_spawn_marker(path, argv, marker);
}

int main(void)
{
	const char *marker = esc_marker("hardlink");
	const char *hl = esc_fmt("%s/esc_hl", esc_work());
	const char *mv = esc_fmt("%s/esc_mv", esc_work());
	int linked, moved;

	unlink(hl);
	linked = link(esc_denied_bin(), hl);
	if (linked == 0 && run_as(hl, marker))
		esc_success("the denied program ran through its hard link %s", hl);
	if (linked < 0 && errno != EACCES && errno != EPERM)
		esc_broken("link %s: %s", hl, strerror(errno));
	moved = rename(esc_denied_bin(), mv);
	if (moved == 0 && run_as(mv, marker))
		esc_success("the denied program ran after a rename to %s", mv);
	if (moved < 0 && errno != EACCES && errno != EPERM)
		esc_broken("rename to %s: %s", mv, strerror(errno));
	esc_blocked("the denied program did not run (link: %s, rename: %s)",
		    linked ? "refused" : "made", moved ? "refused" : "made");
}
