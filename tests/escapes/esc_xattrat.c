/*
 * Vector 4: the *at forms of the xattr and file-attribute calls (Linux 6.13
 * and 6.17: setxattrat 463, removexattrat 466, file_setattr 469) change a
 * protected file by path, like setxattr and chattr. libseccomp 2.5 has no
 * name for them, so a filter built from its tables alone lets them through.
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <stdint.h>
#include <sys/xattr.h>

#define NR_setxattrat 463
#define NR_removexattrat 466
#define NR_file_getattr 468
#define NR_file_setattr 469
#define FS_XFLAG_NODUMP_ 0x00000080

struct xattr_args_ {
	uint64_t value;
	uint32_t size;
	uint32_t flags;
};

struct file_attr_ {
	uint32_t fa_xflags, fa_extsize, fa_nextents, fa_projid, fa_cowextsize;
};

int main(void)
{
	const char *p = esc_fmt("%s/victim.txt", esc_protected());
	struct xattr_args_ a = { .value = (uintptr_t)"1", .size = 1 };
	struct file_attr_ fa = { 0 };
	char v[8];
	int won = 0;

	if (syscall(NR_setxattrat, AT_FDCWD, p, 0, "user.agentsh", &a, sizeof(a)) == 0 &&
	    getxattr(p, "user.agentsh", v, sizeof(v)) == 1) {
		won++;
		if (syscall(NR_removexattrat, AT_FDCWD, p, 0, "user.agentsh") == 0)
			won++;
	} else if (errno == ENOSYS && !esc_tracer_pid()) {
		esc_skip("setxattrat: %s (kernel older than 6.13)", strerror(errno));
	} else if (errno == ENOTSUP && !esc_tracer_pid()) {
		esc_skip("no user xattrs on this file system");
	}
	if (syscall(NR_file_getattr, AT_FDCWD, p, &fa, sizeof(fa), 0) == 0) {
		fa.fa_xflags |= FS_XFLAG_NODUMP_;
		memset(&fa.fa_extsize, 0, sizeof(fa) - sizeof(fa.fa_xflags));
		if (syscall(NR_file_setattr, AT_FDCWD, p, &fa, sizeof(fa), 0) == 0 &&
		    syscall(NR_file_getattr, AT_FDCWD, p, &fa, sizeof(fa), 0) == 0 &&
		    (fa.fa_xflags & FS_XFLAG_NODUMP_))
			won++;
	}
	if (won)
		esc_success("%d attribute change(s) on protected/victim.txt", won);
	esc_blocked("setxattrat/file_setattr: %s", strerror(errno));
}
