/* Envelope memory management and validation; the codec is in
 * envelope_codec.c. */
#include "smtp/envelope.h"

#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"

void envelope_set(char **field, const char *value)
{
	free(*field);
	*field = xstrdup(value ? value : "");
}

void envelope_init(struct envelope *e)
{
	memset(e, 0, sizeof *e);
	envelope_set(&e->sender, "");
	envelope_set(&e->helo, "");
	envelope_set(&e->client, "");
	envelope_set(&e->auth_user, "");
	envelope_set(&e->tls, "");
	envelope_set(&e->added_headers, "");
}

static void rcpt_free(struct rcpt *r)
{
	free(r->orig);
	free(r->dest);
	free(r->folder);
	free(r->error);
}

void envelope_free(struct envelope *e)
{
	for (size_t i = 0; i < e->nrcpts; i++)
		rcpt_free(&e->rcpts[i]);
	free(e->rcpts);
	free(e->sender);
	free(e->helo);
	free(e->client);
	free(e->auth_user);
	free(e->tls);
	free(e->added_headers);
	memset(e, 0, sizeof *e);
}

struct rcpt *envelope_add_rcpt(struct envelope *e, const char *orig,
    const char *dest, const char *folder, enum rcpt_kind kind)
{
	e->rcpts = xreallocarray(e->rcpts, e->nrcpts + 1, sizeof *e->rcpts);
	struct rcpt *r = &e->rcpts[e->nrcpts++];
	memset(r, 0, sizeof *r);
	envelope_set(&r->orig, orig);
	envelope_set(&r->dest, dest);
	envelope_set(&r->folder, folder);
	envelope_set(&r->error, "");
	r->kind = kind;
	r->state = RCPT_PENDING;
	return r;
}

void rcpt_set_error(struct rcpt *r, const char *text)
{
	envelope_set(&r->error, text);
	size_t n = strlen(r->error);
	if (n > ENVELOPE_MAX_STR) {
		n = ENVELOPE_MAX_STR;
		/* Do not leave half a UTF-8 sequence at the cut. */
		while (n > 0 && ((unsigned char)r->error[n] & 0xc0) == 0x80)
			n--;
		r->error[n] = '\0';
	}
	for (char *p = r->error; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
}

void envelope_copy(struct envelope *dst, const struct envelope *src)
{
	envelope_init(dst);
	memcpy(dst->id, src->id, sizeof dst->id);
	dst->arrival = src->arrival;
	dst->size = src->size;
	dst->flags = src->flags;
	envelope_set(&dst->sender, src->sender);
	envelope_set(&dst->helo, src->helo);
	envelope_set(&dst->client, src->client);
	envelope_set(&dst->auth_user, src->auth_user);
	envelope_set(&dst->tls, src->tls);
	envelope_set(&dst->added_headers, src->added_headers);
	dst->spam_score = src->spam_score;
	for (size_t i = 0; i < src->nrcpts; i++) {
		const struct rcpt *s = &src->rcpts[i];
		struct rcpt *r = envelope_add_rcpt(dst, s->orig, s->dest, s->folder,
		    s->kind);
		r->state = s->state;
		r->attempts = s->attempts;
		r->next_attempt = s->next_attempt;
		envelope_set(&r->error, s->error);
	}
}

static bool rcpt_equal(const struct rcpt *x, const struct rcpt *y)
{
	return strcmp(x->orig, y->orig) == 0 && strcmp(x->dest, y->dest) == 0 &&
	    strcmp(x->folder, y->folder) == 0 && x->kind == y->kind &&
	    x->state == y->state && x->attempts == y->attempts &&
	    x->next_attempt == y->next_attempt &&
	    strcmp(x->error, y->error) == 0;
}

bool envelope_equal(const struct envelope *a, const struct envelope *b)
{
	bool eq = strcmp(a->id, b->id) == 0 && a->arrival == b->arrival &&
	    a->size == b->size && strcmp(a->sender, b->sender) == 0 &&
	    strcmp(a->helo, b->helo) == 0 && strcmp(a->client, b->client) == 0 &&
	    strcmp(a->auth_user, b->auth_user) == 0 &&
	    strcmp(a->tls, b->tls) == 0 && a->flags == b->flags &&
	    strcmp(a->added_headers, b->added_headers) == 0 &&
	    a->spam_score == b->spam_score &&
	    a->nrcpts == b->nrcpts;
	for (size_t i = 0; eq && i < a->nrcpts; i++)
		eq = rcpt_equal(&a->rcpts[i], &b->rcpts[i]);
	return eq;
}

static bool text_ok(const char *s, const char *what, struct buf *err)
{
	if (s == NULL) {
		buf_printf(err, "envelope: %s missing", what);
		return false;
	}
	size_t n = strlen(s);
	if (n > ENVELOPE_MAX_STR) {
		buf_printf(err, "envelope: %s longer than %d bytes", what,
		    ENVELOPE_MAX_STR);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			buf_printf(err, "envelope: control character in %s", what);
			return false;
		}
	}
	return true;
}

/* Header lines: each ends in CRLF, no other CR or LF, no NUL or other
 * control except tab; a line starting with space or tab continues the
 * one before, so the block cannot start with one. */
static bool headers_ok(const char *s, struct buf *err)
{
	if (s == NULL) {
		buf_printf(err, "envelope: added headers missing");
		return false;
	}
	size_t n = strlen(s);
	bool ok = n <= ENVELOPE_MAX_HEADERS && s[0] != ' ' && s[0] != '\t';
	for (size_t i = 0; ok && i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\r')
			ok = s[i + 1] == '\n' && i > 0 && s[i - 1] != '\n';
		else if (c == '\n')
			ok = i > 0 && s[i - 1] == '\r';
		else
			ok = c >= 0x20 ? c != 0x7f : c == '\t';
	}
	if (ok && n > 0 && s[n - 1] != '\n')
		ok = false;
	if (!ok)
		buf_printf(err, "envelope: added headers malformed or over %d bytes",
		    ENVELOPE_MAX_HEADERS);
	return ok;
}

static bool rcpt_check(const struct rcpt *r, size_t i, struct buf *err)
{
	if (!text_ok(r->orig, "recipient original address", err) ||
	    !text_ok(r->dest, "recipient destination", err) ||
	    !text_ok(r->folder, "recipient folder", err) ||
	    !text_ok(r->error, "recipient error", err))
		return false;
	if (r->kind != RCPT_LOCAL && r->kind != RCPT_REMOTE) {
		buf_printf(err, "envelope: recipient %zu has unknown kind %d", i,
		    (int)r->kind);
		return false;
	}
	if ((unsigned)r->state > RCPT_FAILED) {
		buf_printf(err, "envelope: recipient %zu has unknown state %d", i,
		    (int)r->state);
		return false;
	}
	if (r->dest[0] == '\0') {
		buf_printf(err, "envelope: recipient %zu has no destination", i);
		return false;
	}
	if (r->kind == RCPT_REMOTE && r->folder[0] != '\0') {
		buf_printf(err, "envelope: remote recipient %zu has a folder", i);
		return false;
	}
	return true;
}

bool envelope_check(const struct envelope *e, struct buf *err)
{
	if (!queue_id_valid(e->id)) {
		buf_printf(err, "envelope: invalid queue id");
		return false;
	}
	if (!text_ok(e->sender, "sender", err) || !text_ok(e->helo, "HELO name", err) ||
	    !text_ok(e->client, "client address", err) ||
	    !text_ok(e->auth_user, "auth user", err) ||
	    !text_ok(e->tls, "TLS description", err) ||
	    !headers_ok(e->added_headers, err))
		return false;
	if ((e->flags & ~ENV_F_KNOWN) != 0) {
		buf_printf(err, "envelope: unknown flags 0x%x", e->flags);
		return false;
	}
	if (e->nrcpts == 0 || e->nrcpts > ENVELOPE_MAX_RCPTS) {
		buf_printf(err, "envelope: %zu recipients (1 to %d allowed)",
		    e->nrcpts, ENVELOPE_MAX_RCPTS);
		return false;
	}
	for (size_t i = 0; i < e->nrcpts; i++)
		if (!rcpt_check(&e->rcpts[i], i, err))
			return false;
	return true;
}

bool envelope_all_final(const struct envelope *e)
{
	for (size_t i = 0; i < e->nrcpts; i++)
		if (e->rcpts[i].state != RCPT_DELIVERED &&
		    e->rcpts[i].state != RCPT_FAILED)
			return false;
	return true;
}

const char *rcpt_state_name(enum rcpt_state s)
{
	switch (s) {
	case RCPT_PENDING:   return "pending";
	case RCPT_DEFERRED:  return "deferred";
	case RCPT_DELIVERED: return "delivered";
	case RCPT_FAILED:    return "failed";
	}
	return "unknown";
}

const char *rcpt_kind_name(enum rcpt_kind k)
{
	switch (k) {
	case RCPT_LOCAL:  return "local";
	case RCPT_REMOTE: return "remote";
	}
	return "unknown";
}
