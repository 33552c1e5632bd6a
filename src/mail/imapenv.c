/* ENVELOPE fields from a header block. */
#include "mail/imapenv.h"

#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/xmalloc.h"
#include "mail/header.h"

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

static void addrlist_copy(const struct addrlist *src, struct addrlist *dst)
{
	memset(dst, 0, sizeof(*dst));
	if (src->n == 0)
		return;
	dst->v = xcalloc(src->n, sizeof(*dst->v));
	dst->n = dst->cap = src->n;
	dst->truncated = src->truncated;
	for (size_t i = 0; i < src->n; i++) {
		dst->v[i].name = dup_or_null(src->v[i].name);
		dst->v[i].adl = dup_or_null(src->v[i].adl);
		dst->v[i].mailbox = dup_or_null(src->v[i].mailbox);
		dst->v[i].host = dup_or_null(src->v[i].host);
		dst->v[i].invalid = src->v[i].invalid;
	}
}

static void take_string(char **slot, const struct hdr_field *f)
{
	if (*slot != NULL)
		return;
	struct buf b = BUF_INIT;
	hdr_unfold(f->value, f->value_len, &b);
	*slot = buf_detach(&b);
}

static void take_list(struct addrlist *l, bool *seen,
    const struct hdr_field *f)
{
	if (*seen)
		return;
	*seen = true;
	addrlist_parse(f->value, f->value_len, 0, l);
}

void imap_envelope_parse(const char *hdr, size_t len, struct imap_envelope *env)
{
	static const char *const lists[] = {
		"From", "Sender", "Reply-To", "To", "Cc", "Bcc",
	};
	struct addrlist *dst[] = { &env->from, &env->sender, &env->reply_to,
		&env->to, &env->cc, &env->bcc };
	bool seen[6] = { false };
	struct hdr_iter it;
	struct hdr_field f;
	memset(env, 0, sizeof(*env));
	hdr_iter_init(&it, hdr, len);
	while (hdr_next(&it, &f)) {
		if (hdr_name_is(&f, "Date"))
			take_string(&env->date, &f);
		else if (hdr_name_is(&f, "Subject"))
			take_string(&env->subject, &f);
		else if (hdr_name_is(&f, "In-Reply-To"))
			take_string(&env->in_reply_to, &f);
		else if (hdr_name_is(&f, "Message-ID"))
			take_string(&env->message_id, &f);
		for (size_t i = 0; i < 6; i++)
			if (hdr_name_is(&f, lists[i]))
				take_list(dst[i], &seen[i], &f);
	}
	if (env->sender.n == 0) {
		addrlist_free(&env->sender);
		addrlist_copy(&env->from, &env->sender);
	}
	if (env->reply_to.n == 0) {
		addrlist_free(&env->reply_to);
		addrlist_copy(&env->from, &env->reply_to);
	}
}

void imap_envelope_free(struct imap_envelope *env)
{
	free(env->date);
	free(env->subject);
	free(env->in_reply_to);
	free(env->message_id);
	addrlist_free(&env->from);
	addrlist_free(&env->sender);
	addrlist_free(&env->reply_to);
	addrlist_free(&env->to);
	addrlist_free(&env->cc);
	addrlist_free(&env->bcc);
	memset(env, 0, sizeof(*env));
}
