#include "filter/rspamd.h"

#include <string.h>

#include <jansson.h>

#define SCORE_MAX 1000000.0     /* points; beyond this is noise */

static const char *const action_names[] = {
	[RSPAMD_NO_ACTION] = "no action", [RSPAMD_GREYLIST] = "greylist",
	[RSPAMD_ADD_HEADER] = "add header",
	[RSPAMD_REWRITE_SUBJECT] = "rewrite subject",
	[RSPAMD_SOFT_REJECT] = "soft reject", [RSPAMD_REJECT] = "reject",
};

const char *rspamd_action_name(enum rspamd_action a)
{
	return a <= RSPAMD_REJECT ? action_names[a] : "?";
}

static bool clean(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static void field(struct buf *out, const char *name, const char *v)
{
	if (v != NULL && *v != '\0' && clean(v))
		buf_printf(out, "%s: %s\r\n", name, v);
}

void rspamd_request_head(const struct rspamd_request *q, struct buf *out)
{
	buf_printf(out, "POST %s HTTP/1.0\r\n", clean(q->path) ? q->path : "/checkv2");
	field(out, "Host", q->host);
	field(out, "From", q->from);
	for (size_t i = 0; i < q->nrcpts; i++)
		field(out, "Rcpt", q->rcpts[i]);
	field(out, "IP", q->ip);
	field(out, "Helo", q->helo);
	field(out, "Queue-Id", q->queue_id);
	field(out, "MTA-Name", q->hostname);
	buf_printf(out, "Content-Length: %llu\r\n\r\n",
	    (unsigned long long)q->length);
}

bool rspamd_parse(const char *json, size_t n, struct rspamd_result *r)
{
	json_error_t e;
	json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &e);
	bool ok = false;
	memset(r, 0, sizeof *r);
	json_t *action = json_object_get(root, "action");
	json_t *score = json_object_get(root, "score");
	r->skipped = json_is_true(json_object_get(root, "is_skipped"));
	if (json_is_string(action)) {
		const char *a = json_string_value(action);
		for (size_t i = 0; i <= RSPAMD_REJECT; i++)
			if (strcmp(a, action_names[i]) == 0) {
				r->action = (enum rspamd_action)i;
				ok = true;
			}
	}
	if (ok && json_is_number(score)) {
		double s = json_number_value(score);
		if (!(s > -SCORE_MAX))      /* also NaN */
			s = -SCORE_MAX;
		if (s > SCORE_MAX)
			s = SCORE_MAX;
		r->score = (int)(s * 1000.0);
	}
	json_decref(root);
	return ok;
}
