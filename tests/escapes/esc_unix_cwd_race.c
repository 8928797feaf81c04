/*
 * Vectors 3, 12: a unix socket connect by a relative name while another
 * thread flips the shared cwd between work/a (its "s" allowed) and work/b
 * (its "s" denied, as docker.sock is in default.yaml). The name is judged
 * in the cwd of the decision; the kernel resolves it in the cwd of the call.
 * Policy esc_unix_cwd_race.yaml. success = connected to work/b/s.
 * expect: ptrace_unix
 */
#include "esc.h"

#include <pthread.h>
#include <sys/un.h>

static volatile int stop;
static char dir_a[4096], dir_b[4096];

static void *flipper(void *arg)
{
	(void)arg;
	while (!stop) {
		if (chdir(dir_a) < 0 || chdir(dir_b) < 0)
			break;
	}
	return NULL;
}

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
	struct sockaddr_un rel = { .sun_family = AF_UNIX, .sun_path = "s" };
	int la, lb, wins = 0, tries = 0;
	pthread_t th;
	double end;

	snprintf(dir_a, sizeof(dir_a), "%s/a", esc_work());
	snprintf(dir_b, sizeof(dir_b), "%s/b", esc_work());
	la = listen_at(dir_a);
	lb = listen_at(dir_b);
	(void)la;
	if (chdir(dir_a) < 0 || pthread_create(&th, NULL, flipper, NULL))
		esc_broken("chdir/thread: %s", strerror(errno));
	end = esc_now() + esc_race_seconds();
	while (!wins && esc_now() < end) {
		int c = socket(AF_UNIX, SOCK_STREAM, 0);
		struct sockaddr_un peer;
		socklen_t len = sizeof(peer);

		tries++;
		if (connect(c, (struct sockaddr *)&rel, sizeof(rel)) == 0 &&
		    getpeername(c, (struct sockaddr *)&peer, &len) == 0 &&
		    strcmp(peer.sun_path, esc_fmt("%s/s", dir_b)) == 0)
			wins++;
		close(c);
		/* drain the backlogs */
		for (int l = 0; l < 2; l++) {
			int s = accept(l ? lb : la, NULL, NULL);
			if (s >= 0)
				close(s);
		}
	}
	stop = 1;
	pthread_join(th, NULL);
	if (wins)
		esc_success("connected to the denied %s/s by a relative name (%d tries)", dir_b, tries);
	esc_blocked("never connected to the denied socket in %d tries", tries);
}
