/* Landlock: the ABI version, then a real (empty) ruleset to prove the LSM is enabled. */
#include "compat.h"
#include "detect/detect.h"

#include <sys/syscall.h>

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif

#define PROBE_LANDLOCK_VERSION (1U << 0)
#define PROBE_LANDLOCK_EXECUTE (1ULL << 0)

void detect_probe_landlock(struct detect_result *r)
{
	uint64_t handled = PROBE_LANDLOCK_EXECUTE; /* struct landlock_ruleset_attr, ABI 1 layout */
	long abi, fd;

	abi = syscall(SYS_landlock_create_ruleset, NULL, 0, PROBE_LANDLOCK_VERSION);
	if (abi < 0) {
		detect_set(&r->landlock, false, "%s",
			   errno == EOPNOTSUPP ? "disabled at boot" : strerror(errno));
		return;
	}
	fd = syscall(SYS_landlock_create_ruleset, &handled, sizeof(handled), 0);
	if (fd < 0) {
		detect_set(&r->landlock, false, "create ruleset: %s", strerror(errno));
		return;
	}
	close((int)fd);
	r->landlock_abi = (int)abi;
	r->landlock_network = abi >= 4;
	detect_set(&r->landlock, true, "ABI v%ld", abi);
}
