/* One place every event passes through: store, audit log, live subscribers, metrics. */
#include "compat.h"
#include "audit/audit.h"
#include "internal.h"
#include "log.h"

#include <cjson/cJSON.h>
#include <stdio.h>

void events_emit(struct server *srv, cJSON *ev)
{
	if (!cJSON_GetObjectItemCaseSensitive(ev, "timestamp")) {
		char ts[40];

		srv_iso8601(srv_now_ms(), ts, sizeof(ts));
		cJSON_AddStringToObject(ev, "timestamp", ts);
	}
	if (!cJSON_GetObjectItemCaseSensitive(ev, "id")) {
		char id[64];

		srv_new_id(NULL, id, sizeof(id));
		cJSON_AddStringToObject(ev, "id", id);
	}
	metrics_count_event(srv, ev);
	if (srv->store)
		store_add(srv->store, ev);
	if (srv->audit || srv->audit_plain) {
		char *json = cJSON_PrintUnformatted(ev);

		if (json && srv->audit && audit_log_append(srv->audit, json) < 0)
			log_warn("audit log: append failed");
		if (json && srv->audit_plain) {
			pthread_mutex_lock(&srv->lock);
			fprintf(srv->audit_plain, "%s\n", json);
			fflush(srv->audit_plain);
			pthread_mutex_unlock(&srv->lock);
		}
		free(json);
	}
	sse_publish(srv, ev);
}
