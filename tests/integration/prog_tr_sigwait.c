/* Reports which of SIGTERM/SIGINT/SIGHUP reached it: installs handlers, writes
 * "ready" to the file argv[1], then waits; on a signal prints "got SIGNAME" and
 * exits 10+signo. With argv[2] == "default" keeps default dispositions (dies). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void prog_on_signal(int sig)
{
	got = sig;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = prog_on_signal };
	int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	int keep_default = argc > 2 && strcmp(argv[2], "default") == 0;

	if (argc < 2)
		return 2;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		if (keep_default)
			signal(sigs[i], SIG_DFL);
		else
			sigaction(sigs[i], &sa, NULL);
	}
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, "ready\n", 6) != 6)
		return 2;
	close(fd);
	for (int i = 0; i < 600 && !got; i++)
		sleep(1);
	if (!got)
		return 3;
	printf("got SIG%s\n", sigabbrev_np(got));
	return 10 + got;
}
