/* Dies of a real SIGSEGV (a write through a null pointer), core dumps off. */
#include <sys/resource.h>

int main(void)
{
	struct rlimit rl = { 0, 0 };
	volatile int *p = 0;

	setrlimit(RLIMIT_CORE, &rl);
	*p = 1;
	return 0;
}
