/* Tracees held at a syscall for an approval, and their deadlines. */
#include "compat.h"
#include "tracer_int.h"

struct deadline_scan {
	struct tracer *t;
	int64_t now, next;
	uint64_t id;
	bool allow, match_id;
};

static void release(struct tracer *t, struct tracee *tr, bool allow, const char *outcome)
{
	enforce_record_approval(t->enf, tr->tgid, tr->tid, tr->hold_id, outcome, tr->hold_rule);
	if (!allow)
		tracer_fail_syscall(t, tr, tr->hold_at_seccomp, -EACCES);
	tr->hold_id = 0;
	t->nheld--;
	tracer_resume(t, tr, 0);
}

static void scan_one(struct tracee *tr, void *ctx)
{
	struct deadline_scan *s = ctx;

	if (tr->state != TS_HELD)
		return;
	if (s->match_id) {
		if (s->id == 0 || tr->hold_id == s->id)
			release(s->t, tr, s->allow, s->allow ? "approved" : "denied");
		return;
	}
	if (tr->hold_deadline_ms <= s->now) {
		release(s->t, tr, false, "timeout"); /* timeout = deny */
		return;
	}
	if (s->next < 0 || tr->hold_deadline_ms < s->next)
		s->next = tr->hold_deadline_ms;
}

void tracer_check_deadlines(struct tracer *t)
{
	struct deadline_scan s = { .t = t, .now = tracer_now_ms(), .next = -1 };

	tracer_guard_deadline(t, s.now);
	if (!t->nheld)
		return;
	tracee_foreach(t->tt, scan_one, &s);
}

int64_t tracer_next_deadline(struct tracer *t)
{
	struct deadline_scan s = { .t = t, .now = INT64_MIN, .next = -1 };

	if (t->nheld)
		tracee_foreach(t->tt, scan_one, &s);
	if (t->ns_waiting && (s.next < 0 || t->ns_deadline_ms < s.next))
		s.next = t->ns_deadline_ms;
	return s.next;
}

static void answered(void *ctx, uint64_t id, bool allow)
{
	struct deadline_scan s = { .t = ctx, .id = id, .allow = allow, .match_id = true };

	tracee_foreach(s.t->tt, scan_one, &s);
}

void tracer_on_approvals(struct tracer *t)
{
	enforce_approver_read(t->enf, answered, t);
}
