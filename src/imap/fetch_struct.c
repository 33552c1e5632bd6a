/* FETCH ENVELOPE, BODY and BODYSTRUCTURE (RFC 3501 7.4.2, RFC 9051 7.5.2)
 * and FLAGS. Types, subtypes and parameter names are upper-cased as in
 * RFC 3501's examples; values are as written (RFC 2231 ones in UTF-8). */
#include "imap/view_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "mail/imapenv.h"

static void w_str(struct imap_writer *w, const char *s)
{
	imap_w_nstring(w, s, s ? strlen(s) : 0);
}

static void w_upper(struct imap_writer *w, const char *s)
{
	struct buf b = BUF_INIT;
	for (; *s; s++)
		buf_addch(&b, (char)toupper((unsigned char)*s));
	imap_w_string(w, buf_cstr(&b), b.len);
	buf_free(&b);
}

static void w_addrs(struct imap_writer *w, const struct addrlist *l)
{
	if (l->n == 0) {
		imap_w_nil(w);
		return;
	}
	imap_w_open(w);
	for (size_t i = 0; i < l->n; i++) {
		const struct mail_addr *a = &l->v[i];
		imap_w_open(w);
		w_str(w, a->name);
		w_str(w, a->adl);
		w_str(w, a->mailbox);
		w_str(w, a->host);
		imap_w_close(w);
		w->need_sp = false;     /* "(" 1*address ")": no separator */
	}
	imap_w_close(w);
}

void fetch_w_envelope(struct imap_writer *w, const char *hdr, size_t len)
{
	struct imap_envelope e;
	imap_envelope_parse(hdr, len, &e);
	imap_w_open(w);
	w_str(w, e.date);
	w_str(w, e.subject);
	w_addrs(w, &e.from);
	w_addrs(w, &e.sender);
	w_addrs(w, &e.reply_to);
	w_addrs(w, &e.to);
	w_addrs(w, &e.cc);
	w_addrs(w, &e.bcc);
	w_str(w, e.in_reply_to);
	w_str(w, e.message_id);
	imap_w_close(w);
	imap_envelope_free(&e);
}

static void w_params(struct imap_writer *w, const struct mime_ctype *ct,
    const char *skip)
{
	size_t n = 0;
	for (size_t i = 0; i < ct->nparams; i++)
		n += !(skip && strcasecmp(ct->params[i].name, skip) == 0);
	if (n == 0) {
		imap_w_nil(w);
		return;
	}
	imap_w_open(w);
	for (size_t i = 0; i < ct->nparams; i++) {
		if (skip && strcasecmp(ct->params[i].name, skip) == 0)
			continue;
		w_upper(w, ct->params[i].name);
		w_str(w, ct->params[i].value);
	}
	imap_w_close(w);
}

static void w_disposition(struct imap_writer *w, const struct mime_part *p)
{
	if (p->disp.type == NULL) {
		imap_w_nil(w);
		return;
	}
	imap_w_open(w);
	w_upper(w, p->disp.type);
	w_params(w, &p->disp, NULL);
	imap_w_close(w);
}

/* "en, de" -> ("en" "de"); one tag as a string. */
static void w_language(struct imap_writer *w, const char *s)
{
	const char *sep = " ,\t";
	size_t n = 0;
	for (const char *p = s; p && *p; ) {
		p += strspn(p, sep);
		size_t l = strcspn(p, sep);
		n += l > 0;
		p += l;
	}
	if (n == 0) {
		imap_w_nil(w);
		return;
	}
	if (n > 1)
		imap_w_open(w);
	for (const char *p = s; *p; ) {
		p += strspn(p, sep);
		size_t l = strcspn(p, sep);
		if (l > 0)
			imap_w_string(w, p, l);
		p += l;
	}
	if (n > 1)
		imap_w_close(w);
}

static void w_single_ext(struct imap_writer *w, const struct mime_part *p)
{
	w_str(w, p->md5);
	w_disposition(w, p);
	w_language(w, p->language);
	w_str(w, p->location);
}

static bool is_message(const struct mime_part *p)
{
	return mime_ctype_is(&p->ct, "message", "rfc822") ||
	    mime_ctype_is(&p->ct, "message", "global");
}

/* A message/rfc822 part we could not open (encoded, or nested too
 * deep) still needs the envelope and body the grammar asks for. */
static void w_opaque_message(struct imap_writer *w)
{
	imap_w_atom(w, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	imap_w_atom(w, "(\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL"
	    " \"7BIT\" 0 0)");
}

static void w_leaf(struct imap_writer *w, const struct mime_tree *t,
    const struct mime_part *p, bool ext)
{
	w_upper(w, p->ct.type);
	w_upper(w, p->ct.subtype ? p->ct.subtype : "");
	w_params(w, &p->ct, NULL);
	w_str(w, p->id);
	w_str(w, p->description);
	if (p->cte_raw && *p->cte_raw)
		w_upper(w, p->cte_raw);
	else
		imap_w_string(w, "7BIT", 4);
	imap_w_number(w, p->body_len);
	if (p->kind == MIME_MESSAGE && p->child != NULL) {
		const struct mime_part *c = p->child;
		fetch_w_envelope(w, t->msg + c->hdr_off, c->hdr_len);
		fetch_w_body(w, t, c, ext);
		imap_w_number(w, p->body_lines);
	} else if (is_message(p)) {
		w_opaque_message(w);
		imap_w_number(w, p->body_lines);
	} else if (mime_ctype_is(&p->ct, "text", NULL)) {
		imap_w_number(w, p->body_lines);
	}
	if (ext)
		w_single_ext(w, p);
}

void fetch_w_body(struct imap_writer *w, const struct mime_tree *t,
    const struct mime_part *p, bool ext)
{
	imap_w_open(w);
	if (p->kind != MIME_MULTIPART || p->child == NULL) {
		w_leaf(w, t, p, ext);
		imap_w_close(w);
		return;
	}
	for (const struct mime_part *c = p->child; c != NULL; c = c->next) {
		fetch_w_body(w, t, c, ext);
		w->need_sp = false;     /* body-type-mpart: "(a)(b)" */
	}
	w->need_sp = true;
	w_upper(w, p->ct.subtype ? p->ct.subtype : "MIXED");
	if (ext) {
		w_params(w, &p->ct, NULL);
		w_disposition(w, p);
		w_language(w, p->language);
		w_str(w, p->location);
	}
	imap_w_close(w);
}

void fetch_w_flags(struct imap_writer *w, const struct mailindex_msg *m)
{
	static const struct { unsigned bit; const char *name; } sys[] = {
		{ MAILINDEX_SEEN, "\\Seen" }, { MAILINDEX_ANSWERED, "\\Answered" },
		{ MAILINDEX_FLAGGED, "\\Flagged" }, { MAILINDEX_DELETED, "\\Deleted" },
		{ MAILINDEX_DRAFT, "\\Draft" },
	};
	imap_w_open(w);
	for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++)
		if (m->flags & sys[i].bit)
			imap_w_atom(w, sys[i].name);
	const char *k = m->keywords ? m->keywords : "";
	while (*k) {
		size_t l = strcspn(k, " ");
		if (l > 0) {
			struct buf b = BUF_INIT;
			buf_add(&b, k, l);
			imap_w_atom(w, buf_cstr(&b));
			buf_free(&b);
		}
		k += l;
		k += *k == ' ';
	}
	imap_w_close(w);
}
