/*
 * Vector 4: O_TMPFILE in the protected directory (the path is the directory,
 * which the rule's protected/ pattern does not name), then linkat through
 * /proc/self/fd to give the file a name inside it.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"

int main(void)
{
	int fd = open(esc_protected(), O_TMPFILE | O_WRONLY, 0644);
	if (fd < 0) {
		if ((errno == EOPNOTSUPP || errno == EISDIR) && !esc_tracer_pid())
			esc_skip("O_TMPFILE unsupported here: %s", strerror(errno));
		esc_blocked("open(O_TMPFILE): %s", strerror(errno));
	}
	if (write(fd, "planted\n", 8) != 8)
		esc_blocked("write: %s", strerror(errno));
	const char *p = esc_fmt("%s/planted-tmpfile.txt", esc_protected());
	if (linkat(AT_FDCWD, esc_fmt("/proc/self/fd/%d", fd), AT_FDCWD, p, AT_SYMLINK_FOLLOW) < 0)
		esc_blocked("linkat: %s", strerror(errno));
	if (esc_exists(p))
		esc_success("planted protected/planted-tmpfile.txt via O_TMPFILE + linkat");
	esc_blocked("linkat returned 0 but nothing landed");
}
