/* perf_event_open(task-clock) for PID on CPU: prints the fd or the errno name. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct perf_event_attr a;
	long fd;

	if (argc != 3)
		return 2;
	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_TASK_CLOCK;
	fd = syscall(SYS_perf_event_open, &a, atoi(argv[1]), atoi(argv[2]), -1, 0);
	if (fd < 0)
		printf("%s\n", errno == EPERM ? "EPERM" : strerror(errno));
	else
		printf("ok\n");
	return 0;
}
