/*
 * prog_landlock_apply [-r PATH] [-w PATH] [-x PATH] [-c PORT] [-C] [-b PORT] [-B] -- CMD ARGS
 * Applies enforce/landlock.c's ruleset (as the tracer does before exec), then execs CMD.
 * -r/-w/-x allow read/write/execute beneath PATH; -c/-b allow a TCP connect/bind port
 * (-C/-B restrict with no port allowed). `prog_landlock_apply --abi` prints the ABI.
 * Exits 77 when Landlock is unavailable. Helper programs link no module library, so the
 * backend is compiled in directly.
 */
#include "enforce/landlock.c"

#include <stdio.h>

#define MAX_RULES 32

static int usage(void)
{
	fprintf(stderr, "usage: prog_landlock_apply [-r|-w|-x PATH] [-c|-b PORT] [-C] [-B] -- CMD\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct landlock_path_rule rules[MAX_RULES];
	uint16_t conn[MAX_RULES], bind_ports[MAX_RULES];
	struct landlock_spec spec = { .paths = rules, .connect_ports = conn,
				      .bind_ports = bind_ports };
	struct landlock_status st;
	int i, err;

	if (argc == 2 && strcmp(argv[1], "--abi") == 0) {
		err = landlock_abi();
		printf("%d\n", err);
		return err > 0 ? 0 : 77;
	}
	for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		const char *o = argv[i];
		unsigned perm = o[1] == 'r' ? LANDLOCK_PERM_READ
				: o[1] == 'w' ? LANDLOCK_PERM_WRITE | LANDLOCK_PERM_READ
				: o[1] == 'x' ? LANDLOCK_PERM_EXECUTE : 0;

		if (perm && i + 1 < argc && spec.n_paths < MAX_RULES) {
			rules[spec.n_paths++] = (struct landlock_path_rule){ argv[++i], perm };
			spec.restrict_fs = true;
		} else if (o[1] == 'c' && i + 1 < argc && spec.n_connect < MAX_RULES) {
			conn[spec.n_connect++] = (uint16_t)atoi(argv[++i]);
			spec.restrict_connect = true;
		} else if (o[1] == 'b' && i + 1 < argc && spec.n_bind < MAX_RULES) {
			bind_ports[spec.n_bind++] = (uint16_t)atoi(argv[++i]);
			spec.restrict_bind = true;
		} else if (o[1] == 'C') {
			spec.restrict_connect = true;
		} else if (o[1] == 'B') {
			spec.restrict_bind = true;
		} else {
			return usage();
		}
	}
	if (i + 1 >= argc)
		return usage();
	err = landlock_apply(&spec, &st);
	if (err == -EOPNOTSUPP || err == -ENOSYS)
		return 77;
	if (err < 0) {
		fprintf(stderr, "landlock_apply: %s\n", strerror(-err));
		return 125;
	}
	fprintf(stderr, "landlock: abi=%d fs=0x%llx net=0x%llx skipped=%d exact=%d\n", st.abi,
		(unsigned long long)st.handled_fs, (unsigned long long)st.handled_net,
		st.skipped_paths, st.fs_exact);
	execv(argv[i + 1], argv + i + 1);
	perror("execv");
	return 127;
}
