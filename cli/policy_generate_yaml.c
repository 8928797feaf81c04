/* Small text helpers for `policy generate`: YAML scalars, regex and op names. */
#include "compat.h"
#include "policy_generate.h"

/* Same names and order as policy/policy.h enum file_op. */
const char *const pgen_file_ops[] = {"open",  "read",	"write",    "create",  "delete", "rmdir",
				     "mkdir", "rename", "link",	    "symlink", "chmod",	 "chown",
				     "stat",  "list",	"readlink", "access"};
const size_t pgen_file_ops_count = ARRAY_SIZE(pgen_file_ops);

unsigned long pgen_file_op_bit(const char *op)
{
	for (size_t i = 0; op && i < pgen_file_ops_count; i++)
		if (strcmp(op, pgen_file_ops[i]) == 0)
			return 1ul << i;
	return 0;
}

static bool needs_double_quotes(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

void pgen_yaml_str(FILE *out, const char *s)
{
	if (!needs_double_quotes(s)) {
		fputc('\'', out);
		for (; *s; s++) {
			if (*s == '\'')
				fputc('\'', out);
			fputc(*s, out);
		}
		fputc('\'', out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

void pgen_regex_escape(const char *s, char *out, size_t len)
{
	size_t j = 0;

	for (; *s && j + 2 < len; s++) {
		if (strchr("\\.^$|?*+()[]{}", *s))
			out[j++] = '\\';
		out[j++] = *s;
	}
	if (len)
		out[j < len ? j : len - 1] = '\0';
}
