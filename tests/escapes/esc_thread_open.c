/*
 * Vector 6: 16 threads each open the secret (any one that is not traced
 * from its first instruction wins).
 * expect: ptrace_file
 * expect-match: protected
 */
#include "esc.h"
#include <pthread.h>

static void *reader(void *arg)
{
	int fd = open((const char *)arg, O_RDONLY);
	return (void *)(intptr_t)(fd >= 0 && esc_fd_has_secret(fd));
}

int main(void)
{
	pthread_t t[16];
	int won = 0;
	const char *p = esc_secret_path();
	for (int i = 0; i < 16; i++)
		pthread_create(&t[i], NULL, reader, (void *)p);
	for (int i = 0; i < 16; i++) {
		void *r;
		pthread_join(t[i], &r);
		won += (int)(intptr_t)r;
	}
	if (won)
		esc_success("%d of 16 threads read the secret", won);
	esc_blocked("no thread read the secret");
}
