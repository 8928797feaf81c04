/* Internal to detect/: the report tree behind the JSON and YAML writers. */
#ifndef AGENTSH_DETECT_REPORT_H
#define AGENTSH_DETECT_REPORT_H

#include <cjson/cJSON.h>
#include <stdio.h>

struct detect_result;
struct detect_model;

cJSON *detect_report_tree(const struct detect_result *r, const struct detect_model *m);
void detect_report_caps_table(FILE *out, const struct detect_result *r,
			      const struct detect_model *m);

#endif /* !AGENTSH_DETECT_REPORT_H */
