/*
 * Vectors 2, 12: a unix socket connect follows symlinks, and its address is
 * passed to the kernel as the caller wrote it. Another process flips
 * work/sw between a symlink to work/a/s (allowed) and one to work/b/s
 * (denied, as docker.sock is in default.yaml) while we connect to the
 * absolute name work/sw. Policy esc_unix_symlink_race.yaml.
 * success = connected to work/b/s.
 * expect: ptrace_unix
 */
#include "esc.h"

#include <signal.h>
#include <sys/un.h>

static int listen_at(const char *dir)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s/s", dir);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		esc_broken("mkdir %s: %s", dir, strerror(errno));
	unlink(a.sun_path);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 4096) < 0)
		esc_broken("listen on %s: %s", a.sun_path, strerror(errno));
	return s;
}

int main(void)
{
	struct sockaddr_un sw = { .sun_family = AF_UNIX };
	const char *b_s = esc_fmt("%s/b/s", esc_work());
	int l[2], wins = 0, tries = 0;
	pid_t flip;
	double end;

	l[0] = listen_at(esc_fmt("%s/a", esc_work()));
	l[1] = listen_at(esc_fmt("%s/b", esc_work()));
	if (chdir(esc_work()) < 0)
		esc_broken("chdir: %s", strerror(errno));
	if (snprintf(sw.sun_path, sizeof(sw.sun_path), "%s/sw", esc_work()) >= (int)sizeof(sw.sun_path))
		esc_skip("fixture path too long for sun_path");
	flip = esc_flip_symlink("sw", "a/s", "b/s");
	end = esc_now() + esc_race_seconds();
	while (!wins && esc_now() < end) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un peer;
		socklen_t len = sizeof(peer);

		tries++;
		if (connect(c, (struct sockaddr *)&sw, sizeof(sw)) == 0 &&
		    getpeername(c, (struct sockaddr *)&peer, &len) == 0 && strcmp(peer.sun_path, b_s) == 0)
			wins++;
		close(c);
		for (int i = 0; i < 2; i++) {
			int s = accept(l[i], NULL, NULL);
			if (s >= 0)
				close(s);
		}
	}
	kill(flip, SIGKILL);
	esc_wait(flip);
	if (wins)
		esc_success("connected to the denied %s through a flipped symlink (%d tries)", b_s, tries);
	esc_blocked("never connected to the denied socket in %d tries", tries);
}
