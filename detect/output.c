/* Writers for `agentsh detect -o table|json|yaml`. */
#include "compat.h"
#include "detect/detect.h"
#include "detect/report.h"

#include <stdio.h>
#include <strings.h>
#include <yaml.h>

static void write_domain(FILE *out, const struct detect_domain *d)
{
	char upper[64];
	size_t i;

	for (i = 0; d->name[i] && i < sizeof(upper) - 1; i++)
		upper[i] = (char)(d->name[i] >= 'a' && d->name[i] <= 'z' ? d->name[i] - 32
									 : d->name[i]);
	upper[i] = '\0';
	fprintf(out, "%-40s %d/%d\n", upper, d->score, d->weight);
	for (int j = 0; j < d->n_backends; j++) {
		const struct detect_backend *b = &d->backends[j];

		fprintf(out, "  %-20s %s  %-16s %s\n", b->name, b->available ? "✓" : "-",
			b->detail[0] ? b->detail : " ", b->description);
	}
	if (d->active[0] && strcmp(d->active, "none") != 0)
		fprintf(out, "  active backend:    %s\n", d->active);
	fputc('\n', out);
}

static int write_table(FILE *out, const struct detect_result *r, const struct detect_model *m)
{
	fprintf(out, "Platform:         %s\n", m->platform);
	fprintf(out, "Security Mode:    %s\n", detect_mode_name(m->mode));
	fprintf(out, "Protection Score: %d/100\n\n", m->score);
	for (int i = 0; i < DETECT_NUM_DOMAINS; i++)
		write_domain(out, &m->domains[i]);
	fprintf(out, "CAPABILITIES\n");
	detect_report_caps_table(out, r, m);
	fputc('\n', out);
	if (m->n_tips > 0) {
		fprintf(out, "TIPS\n");
		for (int i = 0; i < m->n_tips; i++)
			fprintf(out, "  %s: %s\n    -> %s\n", m->tips[i].feature, m->tips[i].impact,
				m->tips[i].action);
		fputc('\n', out);
	}
	fprintf(out, "Probes ran in %.1f ms.\n", r->total_ms);
	fprintf(out, "Run 'agentsh detect config' to generate an optimized configuration.\n");
	return ferror(out) ? -EIO : 0;
}

/* cJSON indents with tabs and writes ":\t"; a raw tab can only be formatting (strings escape
 * theirs), so two spaces per leading tab and one space elsewhere give Go's MarshalIndent look. */
static int write_json(FILE *out, cJSON *tree)
{
	char *s = cJSON_Print(tree);
	bool line_start = true;

	if (!s)
		return -ENOMEM;
	for (const char *p = s; *p; p++) {
		if (*p == '\t')
			fputs(line_start ? "  " : " ", out);
		else
			fputc(*p, out);
		line_start = *p == '\n' || (line_start && *p == '\t');
	}
	fputc('\n', out);
	free(s);
	return ferror(out) ? -EIO : 0;
}

static int yaml_put(yaml_emitter_t *em, yaml_event_t *ev)
{
	return yaml_emitter_emit(em, ev) ? 0 : -EIO;
}

/* A string that plain YAML would read back as null, a bool or a number must be quoted. */
static bool yaml_needs_quotes(const char *s)
{
	static const char *const words[] = { "", "~", "null", "true", "false", "yes", "no", "on",
					     "off", "y", "n" };
	char *end;

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (strcasecmp(s, words[i]) == 0)
			return true;
	strtod(s, &end);
	return end != s && *end == '\0';
}

static int yaml_scalar(yaml_emitter_t *em, const char *text, bool plain_only)
{
	yaml_scalar_style_t style = YAML_PLAIN_SCALAR_STYLE;
	yaml_event_t ev;

	if (!plain_only)
		style = yaml_needs_quotes(text) ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
						: YAML_ANY_SCALAR_STYLE;
	yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text), 1,
				     !plain_only, style);
	return yaml_put(em, &ev);
}

static int yaml_node(yaml_emitter_t *em, const cJSON *n);

static int yaml_container(yaml_emitter_t *em, const cJSON *n, bool map)
{
	int style = n->child ? 0 : 1; /* empty ones in flow style: [] and {} */
	yaml_event_t ev;
	int err = 0;

	if (map)
		yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
						    style ? YAML_FLOW_MAPPING_STYLE
							  : YAML_BLOCK_MAPPING_STYLE);
	else
		yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
						     style ? YAML_FLOW_SEQUENCE_STYLE
							   : YAML_BLOCK_SEQUENCE_STYLE);
	if (yaml_put(em, &ev) < 0)
		return -EIO;
	for (const cJSON *c = n->child; c && !err; c = c->next) {
		if (map)
			err = yaml_scalar(em, c->string, false);
		if (!err)
			err = yaml_node(em, c);
	}
	if (err)
		return err;
	if (map)
		yaml_mapping_end_event_initialize(&ev);
	else
		yaml_sequence_end_event_initialize(&ev);
	return yaml_put(em, &ev);
}

static int yaml_node(yaml_emitter_t *em, const cJSON *n)
{
	char num[32];

	if (cJSON_IsObject(n) || cJSON_IsArray(n))
		return yaml_container(em, n, cJSON_IsObject(n));
	if (cJSON_IsBool(n))
		return yaml_scalar(em, cJSON_IsTrue(n) ? "true" : "false", true);
	if (cJSON_IsNumber(n)) {
		snprintf(num, sizeof(num), "%g", n->valuedouble);
		return yaml_scalar(em, num, true);
	}
	/* Strings: the emitter quotes them when plain would read back as something else. */
	return yaml_scalar(em, n->valuestring ? n->valuestring : "", false);
}

static int yaml_write_handler(void *data, unsigned char *buf, size_t size)
{
	return fwrite(buf, 1, size, data) == size;
}

static int write_yaml(FILE *out, cJSON *tree)
{
	yaml_emitter_t em;
	yaml_event_t ev;
	int err;

	if (!yaml_emitter_initialize(&em))
		return -ENOMEM;
	yaml_emitter_set_output(&em, yaml_write_handler, out);
	yaml_emitter_set_unicode(&em, 1);
	yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
	err = yaml_put(&em, &ev);
	if (!err) {
		yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
		err = yaml_put(&em, &ev);
	}
	if (!err)
		err = yaml_node(&em, tree);
	if (!err) {
		yaml_document_end_event_initialize(&ev, 1);
		err = yaml_put(&em, &ev);
	}
	if (!err) {
		yaml_stream_end_event_initialize(&ev);
		err = yaml_put(&em, &ev);
	}
	yaml_emitter_delete(&em);
	return err;
}

int detect_write(FILE *out, const struct detect_result *r, const struct detect_model *m,
		 enum detect_format fmt)
{
	cJSON *tree;
	int err;

	if (fmt == DETECT_FORMAT_TABLE)
		return write_table(out, r, m);
	tree = detect_report_tree(r, m);
	if (!tree)
		return -ENOMEM;
	err = fmt == DETECT_FORMAT_JSON ? write_json(out, tree) : write_yaml(out, tree);
	cJSON_Delete(tree);
	return err;
}
