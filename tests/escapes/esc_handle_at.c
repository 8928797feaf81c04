/*
 * Vector 4: name_to_handle_at + open_by_handle_at: an open with no path at
 * all (needs CAP_DAC_READ_SEARCH, which a root agent has).
 * expect: ptrace_file|ptrace_process
 */
#include "esc.h"

int main(void)
{
	struct {
		struct file_handle fh;
		unsigned char buf[MAX_HANDLE_SZ];
	} h = { .fh.handle_bytes = MAX_HANDLE_SZ };
	int mount_id;
	if (name_to_handle_at(AT_FDCWD, esc_secret_path(), &h.fh, &mount_id, 0) < 0) {
		if (errno == EOPNOTSUPP && !esc_tracer_pid())
			esc_skip("the filesystem of the fixture has no file handles");
		esc_blocked("name_to_handle_at: %s", strerror(errno));
	}
	int mfd = open(esc_work(), O_RDONLY | O_DIRECTORY);
	if (mfd < 0)
		esc_broken("open work: %s", strerror(errno));
	int fd = open_by_handle_at(mfd, &h.fh, O_RDONLY);
	if (fd < 0 && errno == EPERM && !esc_tracer_pid())
		esc_skip("open_by_handle_at needs CAP_DAC_READ_SEARCH: %s", strerror(errno));
	esc_finish_fd(fd, "open_by_handle_at(handle of the secret)");
}
