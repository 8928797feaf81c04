/*
 * The approver hook (docs/internals.md): one request line per held op,
 * answered by {"id","decision"} lines. A closed approver denies everything
 * pending and everything after.
 */
#include "compat.h"
#include "enforce_int.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/un.h>

/* "tty": questions on the controlling terminal, answered y or n in order.
 * The terminal is opened only while a question is pending, so a session
 * with no approvals never reads from (or reports on) the terminal. */
static int approver_tty(struct enforce *e)
{
	e->approver_tty = true;
	return 0;
}

static void tty_close(struct enforce *e)
{
	e->approver_fd = safe_close(e->approver_fd);
}

int enforce_approver_connect(struct enforce *e)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path;

	if (!e->o.approver)
		return 0;
	if (strcmp(e->o.approver, "tty") == 0)
		return approver_tty(e);
	if (strncmp(e->o.approver, "unix:", 5) != 0) {
		log_error("approver '%s': only unix:PATH is supported", e->o.approver);
		return -EINVAL;
	}
	path = e->o.approver + 5;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	e->approver_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (e->approver_fd < 0)
		return -errno;
	if (connect(e->approver_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;
		e->approver_fd = safe_close(e->approver_fd);
		return log_errno(r, "cannot connect to the approver at %s", path);
	}
	return 0;
}

static void ask_tty(struct enforce *e, uint64_t id, const char *event_line, long timeout_ms)
{
	cJSON *ev = cJSON_Parse(event_line);
	const char *what = NULL, *op = NULL;
	char q[1024];
	int n;

	if (e->approver_fd < 0)
		e->approver_fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (e->approver_fd < 0) {
		cJSON_Delete(ev);
		return; /* unanswered: the hold times out as a deny */
	}
	if (ev) {
		what = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "path"));
		if (!what)
			what = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "filename"));
		if (!what)
			what = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "remote"));
		op = cJSON_GetStringValue(cJSON_GetObjectItem(ev, "operation"));
	}
	n = snprintf(q, sizeof(q), "\r\nagentsh: approve %s %s? [y/N] (%lds) ", op ? op : "exec",
		     what ? what : "?", timeout_ms / 1000);
	if (write(e->approver_fd, q, (size_t)(n < (int)sizeof(q) ? n : (int)sizeof(q) - 1)) < 0)
		log_warn("approver tty: %s", strerror(errno));
	cJSON_Delete(ev);
	if (e->npending < ARRAY_SIZE(e->pending))
		e->pending[e->npending++] = id;
}

void enforce_send_approval(struct enforce *e, uint64_t id, const char *event_line, long timeout_ms)
{
	char head[96];
	int n;

	if (e->approver_tty) {
		ask_tty(e, id, event_line, timeout_ms);
		return;
	}
	if (e->approver_fd < 0)
		return;
	n = snprintf(head, sizeof(head), "{\"id\":\"%llu\",\"timeout_ms\":%ld,\"event\":",
		     (unsigned long long)id, timeout_ms);
	/* The line is small; a blocking write keeps it whole. */
	if (write(e->approver_fd, head, (size_t)n) < 0 ||
	    write(e->approver_fd, event_line, strlen(event_line)) < 0 ||
	    write(e->approver_fd, "}\n", 2) < 0)
		log_warn("approver write failed: %s", strerror(errno));
}

static void handle_answer(const char *line, void (*fn)(void *, uint64_t, bool), void *ctx)
{
	cJSON *j = cJSON_Parse(line);
	const char *id, *dec;

	if (!j) {
		log_warn("approver sent malformed JSON: ignored");
		return;
	}
	id = cJSON_GetStringValue(cJSON_GetObjectItem(j, "id"));
	dec = cJSON_GetStringValue(cJSON_GetObjectItem(j, "decision"));
	if (id && dec)
		fn(ctx, strtoull(id, NULL, 10), strcmp(dec, "allow") == 0 || strcmp(dec, "approve") == 0);
	cJSON_Delete(j);
}

void enforce_approver_read(struct enforce *e, void (*fn)(void *ctx, uint64_t id, bool allow),
			   void *ctx)
{
	ssize_t n;
	char *nl;

	if (e->approver_fd < 0)
		return;
	n = read(e->approver_fd, e->abuf + e->alen, sizeof(e->abuf) - 1 - e->alen);
	if (n <= 0) {
		if (!e->approver_tty)
			log_warn("approver closed: pending approvals are denied");
		e->approver_fd = safe_close(e->approver_fd);
		e->npending = 0;
		fn(ctx, 0, false);
		return;
	}
	e->alen += (size_t)n;
	e->abuf[e->alen] = 0;
	while ((nl = strchr(e->abuf, '\n'))) {
		*nl = 0;
		if (e->approver_tty) {
			/* Answers go to the oldest question, one per line. */
			if (e->npending) {
				fn(ctx, e->pending[0], e->abuf[0] == 'y' || e->abuf[0] == 'Y');
				memmove(e->pending, e->pending + 1, --e->npending * sizeof(e->pending[0]));
				if (!e->npending)
					tty_close(e);
			}
		} else {
			handle_answer(e->abuf, fn, ctx);
		}
		e->alen -= (size_t)(nl + 1 - e->abuf);
		memmove(e->abuf, nl + 1, e->alen + 1);
	}
	if (e->alen == sizeof(e->abuf) - 1)
		e->alen = 0; /* an over-long line is dropped, never half-parsed */
}
