/*
 * Vectors 7, 16: a hard link of the denied program under an allowed name
 * (work/esc_hl, esc_* is allowed). Exec is decided on the canonical
 * program, and a hard link has no other: it is the same file (device,
 * inode) as bin/denied, which command_rules deny, yet judged by its new
 * name. (A copy is a new file, a stated limit; a second name of the same
 * one is what identity is for, threat model 16.)
 * success = the denied program (touch) created its marker.
 * expect: ptrace_execve
 */
#include "esc.h"

int main(void)
{
	const char *marker = esc_marker("hardlink");
	const char *hl = esc_fmt("%s/esc_hl", esc_work());
	char *argv[] = { "esc_hl", (char *)marker, NULL };

	unlink(hl);
	if (link(esc_denied_bin(), hl) < 0)
		esc_broken("link %s: %s", hl, strerror(errno));
	if (esc_spawn_marker(hl, argv, marker))
		esc_success("the denied program ran through its hard link %s", hl);
	esc_blocked("the denied program did not run");
}
