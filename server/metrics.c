/* Prometheus text for GET /metrics. */
#include "compat.h"
#include "internal.h"

#include <cjson/cJSON.h>
#include <stdio.h>

static const char *const decision_names[] = { "allow",    "deny",        "approve", "redirect",
					      "audit",    "soft_delete", "absorb",  "other" };

void metrics_count_event(struct server *srv, const cJSON *ev)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(ev, "policy");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(p, "decision");
	size_t i = ARRAY_SIZE(decision_names) - 1;

	for (size_t k = 0; cJSON_IsString(d) && k < ARRAY_SIZE(decision_names) - 1; k++)
		if (strcmp(d->valuestring, decision_names[k]) == 0)
			i = k;
	pthread_mutex_lock(&srv->lock);
	srv->m.events++;
	if (cJSON_IsString(d))
		srv->m.decisions[i]++;
	pthread_mutex_unlock(&srv->lock);
}

static void put(FILE *f, const char *name, const char *type, const char *help, double v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %.17g\n", name, help, name, type, name, v);
}

char *metrics_render(struct server *srv)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct metrics m;
	int sessions;

	if (!f)
		return NULL;
	pthread_mutex_lock(&srv->lock);
	m = srv->m;
	sessions = sessions_count(srv);
	pthread_mutex_unlock(&srv->lock);
	put(f, "agentsh_sessions_active", "gauge", "Sessions currently open.", sessions);
	put(f, "agentsh_sessions_created_total", "counter", "Sessions created.",
	    (double)m.sessions_created);
	put(f, "agentsh_execs_total", "counter", "Commands executed.", (double)m.execs);
	put(f, "agentsh_exec_failures_total", "counter", "Commands with a non-zero exit.",
	    (double)m.exec_failures);
	put(f, "agentsh_tracer_failures_total", "counter", "Tracer processes that died.",
	    (double)m.tracer_failures);
	put(f, "agentsh_tracer_stops_total", "counter", "Decided operations (tracer stops).",
	    (double)m.events);
	fprintf(f, "# HELP agentsh_decisions_total Decisions by kind.\n"
		   "# TYPE agentsh_decisions_total counter\n");
	for (size_t i = 0; i < ARRAY_SIZE(decision_names); i++)
		fprintf(f, "agentsh_decisions_total{decision=\"%s\"} %ld\n", decision_names[i],
			m.decisions[i]);
	put(f, "agentsh_approvals_total", "counter", "Approvals requested.", (double)m.approvals);
	put(f, "agentsh_approval_hold_seconds_sum", "counter",
	    "Time operations were held for approval.", (double)m.hold_ms_total / 1000.0);
	put(f, "agentsh_http_requests_total", "counter", "HTTP requests.",
	    (double)m.http_requests);
	fclose(f);
	return buf;
}
