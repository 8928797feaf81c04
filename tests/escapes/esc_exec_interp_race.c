/*
 * Vectors 2, 7: a script's #! interpreter that another process flips while
 * the tree execs the script. work/esc_interp_s starts with
 * "#!work/esc_interp <marker>"; esc_interp flips between bin/denied and a
 * name that cannot be read as a program: missing, a symlink loop, a
 * directory. Then a 5-deep chain esc_n0 → … → esc_n4 whose last
 * interpreter, esc_last, flips between bin/allowed and bin/denied: deeper
 * than a decision reads. Where the decision could not read the program, it
 * must be decided at the exec event. 2 s per variant; any run of bin/denied
 * is the escape.
 * expect: ptrace_execve
 */
#include "esc.h"

#include <signal.h>

static void write_script(const char *path, const char *interp, const char *arg)
{
	FILE *f = fopen(path, "w");

	if (!f)
		esc_broken("%s: %s", path, strerror(errno));
	fprintf(f, "#!%s/%s%s%s\n", esc_work(), interp, arg ? " " : "", arg ? arg : "");
	if (fclose(f) != 0 || chmod(path, 0755) < 0)
		esc_broken("%s: %s", path, strerror(errno));
}

/* Exec script for 2 s while name flips; true if bin/denied ran. */
static bool race(const char *variant, const char *script, const char *name, const char *other,
		 const char *marker)
{
	char *denied = strdup(esc_denied_bin());
	pid_t flipper;
	int tries = 0;
	bool ran = false;

	if (!denied)
		esc_broken("out of memory");
	unlink(name);
	flipper = esc_flip_symlink(name, denied, other);
	for (double end = esc_now() + 2.0; !ran && esc_now() < end; tries++) {
		char *argv[] = {(char *)script, NULL};
		ran = esc_spawn_marker(script, argv, marker);
	}
	kill(flipper, SIGKILL);
	esc_wait(flipper);
	printf("%s: bin/denied %s in %d execs\n", variant, ran ? "ran" : "never ran", tries);
	free(denied);
	return ran;
}

/* work/esc_interp_s, interpreter esc_interp flipped with what cannot be read. */
static bool interp_race(const char *variant, const char *other)
{
	char *marker = strdup(esc_marker(variant));
	bool ran;

	if (!marker)
		esc_broken("out of memory");
	write_script("esc_interp_s", "esc_interp", marker);
	ran = race(variant, "./esc_interp_s", "esc_interp", other, marker);
	free(marker);
	return ran;
}

/* esc_n0 … esc_n4, the last one's interpreter esc_last flipped with allowed. */
static bool nest5(void)
{
	char *marker = strdup(esc_marker("nest5"));
	char *allowed = strdup(esc_fmt("%s/allowed", esc_env("ESC_BIN")));
	bool ran;

	if (!marker || !allowed)
		esc_broken("out of memory");
	for (int i = 0; i < 5; i++) {
		char path[16], next[16];

		snprintf(path, sizeof(path), "esc_n%d", i);
		snprintf(next, sizeof(next), "esc_n%d", i + 1);
		write_script(path, i < 4 ? next : "esc_last", i < 4 ? NULL : marker);
	}
	ran = race("nest5", "./esc_n0", "esc_last", allowed, marker);
	free(marker);
	free(allowed);
	return ran;
}

int main(void)
{
	int escaped = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (chdir(esc_work()) < 0)
		esc_broken("chdir: %s", strerror(errno));
	if (mkdir("esc_dir", 0755) < 0 && errno != EEXIST)
		esc_broken("mkdir: %s", strerror(errno));
	escaped += interp_race("missing", NULL);
	escaped += interp_race("loop", "esc_interp");
	escaped += interp_race("dir", "esc_dir");
	escaped += nest5();
	if (escaped)
		esc_success("bin/denied ran as a flipped #! interpreter in %d of 4 variants",
			    escaped);
	esc_blocked("bin/denied never ran as a flipped #! interpreter");
}
