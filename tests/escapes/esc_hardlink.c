/*
 * Vector 2: hard-link the secret into the allowed work dir, then open the link.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	const char *hl = esc_fmt("%s/hl.txt", esc_work());
	unlink(hl);
	if (link(esc_secret_path(), hl) < 0)
		esc_blocked("link: %s", strerror(errno));
	esc_finish_fd(open(hl, O_RDONLY), "open(work/hl.txt, a hard link to the secret)");
}
