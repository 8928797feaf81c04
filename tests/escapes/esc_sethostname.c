/*
 * Calls that reach past the process tree: sethostname, setdomainname,
 * settimeofday, clock_settime, clock_adjtime/adjtimex and syslog (clear
 * the kernel log) are in no table of the tracer, so under a policy a root
 * tree may rename the host, set its clock (every later event's timestamp,
 * TLS validity) or wipe dmesg, unrecorded. To change nothing, the attack
 * sets the hostname to the one it has: the kernel accepting it is the
 * escape (a policy refuses it, with a record, like reboot or acct).
 * success = sethostname returned 0.
 * expect: ptrace_process
 */
#include "esc.h"

int main(void)
{
	char name[256];

	if (geteuid() != 0)
		esc_skip("sethostname needs CAP_SYS_ADMIN");
	if (gethostname(name, sizeof(name)) < 0)
		esc_broken("gethostname: %s", strerror(errno));
	if (sethostname(name, strlen(name)) < 0)
		esc_blocked("sethostname: %s", strerror(errno));
	esc_success("sethostname(\"%s\") was accepted: the host's name is the tree's to change", name);
}
