/*
 * Vectors 2, 12: sendmmsg to a unix datagram socket by a name that is a
 * symlink (work/dlink -> b/s, b/s denied as docker.sock is in
 * default.yaml). sendmmsg's addresses were judged as written, and the
 * symlink's own name is under the allowed fixture: the datagram reached the
 * denied socket. Policy esc_unix_sendmmsg_link.yaml. success = b/s receives.
 * expect: ptrace_unix
 * expect-match: deny-runtime
 */
#include "esc.h"

#include <sys/un.h>

int main(void)
{
	struct sockaddr_un b = { .sun_family = AF_UNIX }, via = { .sun_family = AF_UNIX };
	struct mmsghdr m = { 0 };
	struct iovec iov = { .iov_base = "x", .iov_len = 1 };
	char buf[4];
	int r = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);

	if (mkdir(esc_fmt("%s/b", esc_work()), 0700) < 0 && errno != EEXIST)
		esc_broken("mkdir: %s", strerror(errno));
	if (snprintf(b.sun_path, sizeof(b.sun_path), "%s/b/s", esc_work()) >= (int)sizeof(b.sun_path) ||
	    snprintf(via.sun_path, sizeof(via.sun_path), "%s/dlink", esc_work()) >= (int)sizeof(via.sun_path))
		esc_skip("fixture path too long for sun_path");
	unlink(b.sun_path);
	unlink(via.sun_path);
	if (r < 0 || s < 0 || bind(r, (struct sockaddr *)&b, sizeof(b)) < 0)
		esc_broken("bind %s: %s", b.sun_path, strerror(errno));
	if (symlink("b/s", via.sun_path) < 0)
		esc_broken("symlink: %s", strerror(errno));
	m.msg_hdr.msg_name = &via;
	m.msg_hdr.msg_namelen = sizeof(via);
	m.msg_hdr.msg_iov = &iov;
	m.msg_hdr.msg_iovlen = 1;
	if (sendmmsg(s, &m, 1, 0) != 1)
		esc_blocked("sendmmsg to %s: %s", via.sun_path, strerror(errno));
	usleep(100 * 1000);
	if (recv(r, buf, sizeof(buf), 0) == 1)
		esc_success("a datagram reached the denied %s through %s", b.sun_path, via.sun_path);
	esc_blocked("nothing reached %s", b.sun_path);
}
