/* Text helpers of the config loader: env expansion, durations, sizes, discovery. */
#include "compat.h"
#include "config.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <sys/stat.h>

struct buf {
	char *p;
	size_t len, cap;
};

static int buf_put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->cap ? b->cap * 2 : 256) + n;
		char *p = realloc(b->p, cap);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static bool is_name_char(char c, bool first)
{
	return c == '_' || isalpha((unsigned char)c) || (!first && isdigit((unsigned char)c));
}

/* Expands the ${...} starting at s (s points at '{'); returns chars consumed, 0 if unclosed. */
static size_t expand_braced(struct buf *b, const char *s, int *r)
{
	const char *end = strchr(s, '}');
	const char *dflt;
	char name[256];
	size_t nlen;
	const char *val;

	if (!end)
		return 0;
	dflt = strstr(s, ":-");
	if (dflt && dflt > end)
		dflt = NULL;
	nlen = (size_t)((dflt ? dflt : end) - (s + 1));
	if (nlen == 0 || nlen >= sizeof(name))
		return 0;
	memcpy(name, s + 1, nlen);
	name[nlen] = '\0';
	val = getenv(name);
	if ((!val || !*val) && dflt)
		*r = buf_put(b, dflt + 2, (size_t)(end - dflt - 2));
	else if (val)
		*r = buf_put(b, val, strlen(val));
	return (size_t)(end - s) + 1;
}

static size_t expand_plain(struct buf *b, const char *s, int *r)
{
	char name[256];
	size_t n = 0;
	const char *val;

	while (is_name_char(s[n], n == 0) && n < sizeof(name) - 1)
		n++;
	if (n == 0)
		return 0;
	memcpy(name, s, n);
	name[n] = '\0';
	val = getenv(name);
	if (val)
		*r = buf_put(b, val, strlen(val));
	return n;
}

char *config_expand_env(const char *text)
{
	struct buf b = { 0 };
	int r = buf_put(&b, "", 0);

	for (const char *s = text; *s && r == 0;) {
		size_t used = 0;

		if (*s != '$') {
			size_t n = strcspn(s, "$");

			r = buf_put(&b, s, n);
			s += n;
			continue;
		}
		if (s[1] == '$') {
			r = buf_put(&b, "$", 1);
			s += 2;
			continue;
		}
		used = s[1] == '{' ? expand_braced(&b, s + 1, &r) : expand_plain(&b, s + 1, &r);
		if (used == 0) {
			r = buf_put(&b, "$", 1);
			s++;
		} else {
			s += 1 + used;
		}
	}
	if (r < 0) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

int config_parse_duration_ms(const char *s, long long *out_ms)
{
	/* Longest unit first, so "ms" is not read as "m". */
	static const struct {
		const char *unit;
		double ms;
	} units[] = { { "ns", 1e-6 }, { "us", 1e-3 }, { "µs", 1e-3 }, { "ms", 1 },
		      { "s", 1000 },   { "m", 60000 },  { "h", 3600000 }, { "d", 86400000 } };
	double total = 0;

	if (!s || !*s)
		return -EINVAL;
	if (strcmp(s, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	while (*s) {
		char *end;
		double v = strtod(s, &end);
		size_t i, n = 0;

		if (end == s || v < 0 || !isfinite(v) || !isdigit((unsigned char)*s))
			return -EINVAL;
		for (i = 0; i < ARRAY_SIZE(units); i++) {
			n = strlen(units[i].unit);
			if (strncmp(end, units[i].unit, n) == 0)
				break;
		}
		if (i == ARRAY_SIZE(units))
			return -EINVAL;
		total += v * units[i].ms;
		s = end + n;
	}
	if (total > 9e15)
		return -EINVAL;
	*out_ms = (long long)total;
	return 0;
}

int config_parse_size(const char *s, long long *out_bytes)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = { { "", 1 },
		      { "B", 1 },
		      { "K", 1024.0 },
		      { "KB", 1024.0 },
		      { "KiB", 1024.0 },
		      { "M", 1048576.0 },
		      { "MB", 1048576.0 },
		      { "MiB", 1048576.0 },
		      { "G", 1073741824.0 },
		      { "GB", 1073741824.0 },
		      { "GiB", 1073741824.0 },
		      { "T", 1099511627776.0 },
		      { "TB", 1099511627776.0 },
		      { "TiB", 1099511627776.0 } };
	char *end;
	double v;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	v = strtod(s, &end);
	while (*end == ' ')
		end++;
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		if (strcasecmp(end, units[i].unit) == 0) {
			if (!isfinite(v) || v * units[i].mult > 9e18)
				return -EINVAL;
			*out_bytes = (long long)(v * units[i].mult);
			return 0;
		}
	}
	return -EINVAL;
}

static char *path_join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 2;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s/%s", a, b);
	return p;
}

static bool file_exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int discover_home(char **out)
{
	static const char *const names[] = { ".config/agentsh/config.yaml",
					     ".config/agentsh/config.yml" };
	const char *home = getenv("HOME");

	for (size_t i = 0; home && *home && i < ARRAY_SIZE(names); i++) {
		char *p = path_join(home, names[i]);

		if (!p)
			return -ENOMEM;
		if (file_exists(p)) {
			*out = p;
			return 1;
		}
		free(p);
	}
	return 0;
}

int config_discover(const char *flag_path, char **out)
{
	const char *env = getenv("AGENTSH_CONFIG");
	const char *explicit_path = flag_path && *flag_path ? flag_path : env && *env ? env : NULL;
	int r;

	*out = NULL;
	if (explicit_path) {
		if (!file_exists(explicit_path))
			return -ENOENT;
		*out = strdup(explicit_path);
		return *out ? 0 : -ENOMEM;
	}
	r = discover_home(out);
	if (r != 0)
		return r < 0 ? r : 0;
	if (file_exists("/etc/agentsh/config.yaml")) {
		*out = strdup("/etc/agentsh/config.yaml");
		return *out ? 0 : -ENOMEM;
	}
	return 0;
}

char *config_data_dir(void)
{
	const char *d = getenv("AGENTSH_DATA_DIR");
	const char *home = getenv("HOME");

	if (d && *d)
		return strdup(d);
	d = getenv("XDG_DATA_HOME");
	if (d && *d)
		return path_join(d, "agentsh");
	return path_join(home && *home ? home : "/tmp", ".local/share/agentsh");
}
