/* rspamd's HTTP protocol (/checkv2), sans I/O: the request head that
 * goes before the message, and its JSON verdict. */
#ifndef AMB_FILTER_RSPAMD_H
#define AMB_FILTER_RSPAMD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

enum rspamd_action {
	RSPAMD_NO_ACTION,
	RSPAMD_GREYLIST,
	RSPAMD_ADD_HEADER,
	RSPAMD_REWRITE_SUBJECT,
	RSPAMD_SOFT_REJECT,
	RSPAMD_REJECT,
};

struct rspamd_request {
	const char *host;       /* for the Host field */
	const char *path;       /* e.g. "/checkv2" */
	const char *ip, *helo, *from, *queue_id, *hostname;
	const char *const *rcpts;
	size_t nrcpts;
	uint64_t length;        /* message octets that follow */
};

/* Appends "POST path HTTP/1.0" and the fields rspamd reads (From, Rcpt,
 * IP, Helo, Queue-Id, MTA-Name, Content-Length); values with control
 * characters are left out. */
void rspamd_request_head(const struct rspamd_request *q, struct buf *out);

struct rspamd_result {
	enum rspamd_action action;
	int score;              /* thousandths of a point, clamped */
	bool skipped;
};

/* The JSON reply: "action" (required) and "score". False if it is not
 * such an object. */
bool rspamd_parse(const char *json, size_t n, struct rspamd_result *r);
const char *rspamd_action_name(enum rspamd_action a);

#endif
