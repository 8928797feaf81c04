/* Small helpers shared by the server files: time, ids, string vectors. */
#include "compat.h"
#include "internal.h"

#include <stdio.h>
#include <sys/random.h>
#include <time.h>

long long srv_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void srv_iso8601(long long ms, char *buf, size_t len)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char base[32];

	gmtime_r(&t, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03lldZ", base, ms % 1000);
}

/* A random UUID-shaped id, optionally prefixed ("cmd-..."). */
void srv_new_id(const char *prefix, char *buf, size_t len)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b))
		memset(b, 0, sizeof(b));
	b[6] = (b[6] & 0x0f) | 0x40;
	b[8] = (b[8] & 0x3f) | 0x80;
	snprintf(buf, len,
		 "%s%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 prefix ? prefix : "", b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
		 b[10], b[11], b[12], b[13], b[14], b[15]);
}

bool srv_id_is_safe(const char *id)
{
	size_t n = 0;

	for (const char *p = id; *p; p++, n++)
		if (!(*p == '-' || *p == '_' || *p == '.' || (*p >= '0' && *p <= '9') ||
		      (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return false;
	return n > 0 && n < SRV_ID_LEN && strcmp(id, ".") && strcmp(id, "..");
}

void strv_free(struct strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = 0;
}

int strv_push(struct strv *v, const char *s)
{
	char **nv = realloc(v->v, (v->n + 2) * sizeof(char *));

	if (!nv)
		return -ENOMEM;
	v->v = nv;
	v->v[v->n] = strdup(s);
	if (!v->v[v->n])
		return -ENOMEM;
	v->v[++v->n] = NULL;
	return 0;
}

/* Removes "KEY=..." entries (or exact "KEY" entries) from v. */
void strv_remove_key(struct strv *v, const char *key)
{
	size_t kl = strlen(key), j = 0;

	for (size_t i = 0; i < v->n; i++) {
		bool match = strncmp(v->v[i], key, kl) == 0 &&
			     (v->v[i][kl] == '=' || v->v[i][kl] == '\0');

		if (match)
			free(v->v[i]);
		else
			v->v[j++] = v->v[i];
	}
	v->n = j;
	if (v->v)
		v->v[j] = NULL;
}
