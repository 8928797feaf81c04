#include "compat.h"
#include "log.h"

#include <stdio.h>

static enum log_level current_level = LOG_LEVEL_WARN;

void log_set_level(enum log_level level)
{
	current_level = level;
}

enum log_level log_get_level(void)
{
	return current_level;
}

static void log_v(enum log_level level, const char *suffix, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

static void log_v(enum log_level level, const char *suffix, const char *fmt, va_list ap)
{
	static const char *const prefix[] = { "error", "warning", "info", "debug" };
	char buf[2048];
	int n;

	if (level > current_level)
		return;
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	if (n < 0)
		return;
	/* One write per message so lines from several processes do not interleave. */
	fprintf(stderr, "agentsh: %s: %s%s\n", prefix[level], buf, suffix ? suffix : "");
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_v(level, NULL, fmt, ap);
	va_end(ap);
}

int log_errno(int r, const char *fmt, ...)
{
	char suffix[128];
	va_list ap;

	snprintf(suffix, sizeof(suffix), ": %s", strerror(r < 0 ? -r : r));
	va_start(ap, fmt);
	log_v(LOG_LEVEL_ERROR, suffix, fmt, ap);
	va_end(ap);
	return r;
}
