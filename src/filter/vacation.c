/* RFC 5230 4.5-4.6 and 5: when to answer and what the answer says. */
#include "filter/vacation.h"

#include <sodium.h>
#include <string.h>
#include <strings.h>

#include "mail/addrlist.h"
#include "mail/encwords.h"
#include "mail/header.h"
#include "mail/maildate.h"
#include "mail/msgid.h"

static bool robot_sender(const char *from)
{
	const char *at = strrchr(from, '@');
	size_t n = at ? (size_t)(at - from) : strlen(from);
	static const char *const exact[] = { "mailer-daemon", "listserv",
		"majordomo", "postmaster" };
	for (size_t i = 0; i < sizeof exact / sizeof exact[0]; i++)
		if (strlen(exact[i]) == n && !strncasecmp(from, exact[i], n))
			return true;
	return (n >= 6 && !strncasecmp(from, "owner-", 6)) ||
	    (n >= 8 && !strncasecmp(from + n - 8, "-request", 8));
}

/* Is the address one of the user's (ignoring case and a +detail)? */
static bool is_users(const struct sieve_vacation *v, const char *user,
    const char *local, size_t llen, const char *domain)
{
	const char *plus = memchr(local, '+', llen);
	size_t base = plus ? (size_t)(plus - local) : llen;
	const char *cands[65];
	size_t nc = 0;
	cands[nc++] = user;
	for (size_t i = 0; i < v->naddresses && nc < 65; i++)
		cands[nc++] = v->addresses[i];
	for (size_t i = 0; i < nc; i++) {
		const char *at = strrchr(cands[i], '@');
		if (at == NULL || strcasecmp(at + 1, domain) != 0)
			continue;
		size_t cl = (size_t)(at - cands[i]);
		if ((cl == llen && !strncasecmp(cands[i], local, llen)) ||
		    (cl == base && !strncasecmp(cands[i], local, base)))
			return true;
	}
	return false;
}

static bool addressed_to_user(const struct sieve_vacation *v, const char *hdr,
    size_t hdr_len, const char *user)
{
	static const char *const fields[] = { "to", "cc", "bcc", "resent-to",
		"resent-cc", "resent-bcc" };
	struct hdr_iter it;
	struct hdr_field f;
	bool found = false;
	hdr_iter_init(&it, hdr, hdr_len);
	while (!found && hdr_next(&it, &f)) {
		size_t k = 0;
		while (k < 6 && !hdr_name_is(&f, fields[k]))
			k++;
		if (k == 6)
			continue;
		struct addrlist l = { 0 };
		addrlist_parse(f.value, f.value_len, 0, &l);
		for (size_t i = 0; i < l.n && !found; i++)
			found = l.v[i].mailbox && l.v[i].host &&
			    is_users(v, user, l.v[i].mailbox, strlen(l.v[i].mailbox),
			    l.v[i].host);
		addrlist_free(&l);
	}
	return found;
}

/* The first word of a field's value, lower-case ("auto-generated"). */
static bool field_word(const char *hdr, size_t len, const char *name,
    char *out, size_t outsz)
{
	struct buf v = BUF_INIT;
	bool ok = hdr_get(hdr, len, name, &v);
	if (ok) {
		size_t n = strcspn(buf_cstr(&v), " \t;(");
		n = n < outsz - 1 ? n : outsz - 1;
		for (size_t i = 0; i < n; i++)
			out[i] = (char)(v.data[i] >= 'A' && v.data[i] <= 'Z' ?
			    v.data[i] - 'A' + 'a' : v.data[i]);
		out[n] = '\0';
	}
	buf_free(&v);
	return ok;
}

static bool from_list(const char *hdr, size_t len)
{
	struct hdr_iter it;
	struct hdr_field f;
	hdr_iter_init(&it, hdr, len);
	while (hdr_next(&it, &f))
		if (f.name_len > 5 && !strncasecmp(f.name, "list-", 5))
			return true;
	char w[32];
	return field_word(hdr, len, "precedence", w, sizeof w) &&
	    (!strcmp(w, "bulk") || !strcmp(w, "list") || !strcmp(w, "junk"));
}

bool vacation_wanted(const struct sieve_vacation *v, const char *hdr,
    size_t hdr_len, const char *env_from, const char *user,
    const char **why)
{
	char w[32];
	const char *at = strrchr(env_from, '@');
	if (*env_from == '\0')
		*why = "null sender";
	else if (at == NULL || robot_sender(env_from))
		*why = "sender is a robot";
	else if (is_users(v, user, env_from, (size_t)(at - env_from), at + 1))
		*why = "sender is the user";
	else if (field_word(hdr, hdr_len, "auto-submitted", w, sizeof w) &&
	    strcmp(w, "no") != 0)
		*why = "message is auto-submitted";
	else if (from_list(hdr, hdr_len))
		*why = "message is from a mailing list or bulk";
	else if (!addressed_to_user(v, hdr, hdr_len, user))
		*why = "user not in To or Cc";
	else
		return true;
	return false;
}

void vacation_key(const struct sieve_vacation *v, const char *env_from,
    char out[VACATION_KEY_LEN + 1])
{
	unsigned char h[32], hh[32];
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, sizeof hh);
	if (v->handle != NULL) {
		crypto_generichash_update(&st, (const unsigned char *)"h", 1);
		crypto_generichash_update(&st, (const unsigned char *)v->handle,
		    strlen(v->handle));
	} else {
		const char *parts[] = { v->subject ? v->subject : "",
			v->from ? v->from : "", v->mime ? "m" : "t", v->reason };
		for (size_t i = 0; i < 4; i++)
			crypto_generichash_update(&st, (const unsigned char *)parts[i],
			    strlen(parts[i]) + 1);   /* the NUL separates them */
	}
	crypto_generichash_final(&st, hh, sizeof hh);
	crypto_generichash_init(&st, NULL, 0, sizeof h);
	crypto_generichash_update(&st, hh, sizeof hh);
	for (const char *p = env_from; *p; p++) {
		unsigned char c = (unsigned char)(*p >= 'A' && *p <= 'Z' ?
		    *p - 'A' + 'a' : *p);
		crypto_generichash_update(&st, &c, 1);
	}
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(out, VACATION_KEY_LEN + 1, h, sizeof h);
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

/* Appends s with line ends made CRLF and lone CRs dropped. */
static void add_crlf_text(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\r')
			continue;
		if (*s == '\n')
			buf_addch(out, '\r');
		buf_addch(out, *s);
	}
	if (out->len < 2 || memcmp(out->data + out->len - 2, "\r\n", 2) != 0)
		buf_addstr(out, "\r\n");
}

static void add_base64_lines(struct buf *out, const char *s, size_t n)
{
	for (size_t off = 0; off < n; off += 57) {
		size_t k = n - off < 57 ? n - off : 57;
		char line[80];
		sodium_bin2base64(line, sizeof line, (const unsigned char *)s + off,
		    k, sodium_base64_VARIANT_ORIGINAL);
		buf_addstr(out, line);
		buf_addstr(out, "\r\n");
	}
}

/* :from is taken only when its address is in the user's domain. */
static void add_from(const struct vacation_params *p, struct buf *out)
{
	const struct sieve_vacation *v = p->v;
	const char *udom = strrchr(p->user, '@');
	if (v->from != NULL && udom != NULL) {
		struct addrlist l = { 0 };
		addrlist_parse(v->from, strlen(v->from), 0, &l);
		bool ok = l.n == 1 && l.v[0].host && !l.v[0].invalid &&
		    !strcasecmp(l.v[0].host, udom + 1);
		addrlist_free(&l);
		if (ok) {
			hdr_append_folded(out, "From", v->from);
			return;
		}
	}
	buf_printf(out, "From: <%s>\r\n", p->user);
}

static void add_subject(const struct vacation_params *p, struct buf *out)
{
	struct buf s = BUF_INIT, orig = BUF_INIT;
	if (p->v->subject != NULL) {
		if (is_ascii(p->v->subject))
			buf_addstr(&s, p->v->subject);
		else
			ew_encode(p->v->subject, &s);
	} else if (hdr_get(p->hdr, p->hdr_len, "subject", &orig) && orig.len) {
		buf_printf(&s, "Auto: %s", orig.data);   /* encoded words kept */
	} else {
		buf_addstr(&s, "Automatic reply");
	}
	hdr_append_folded(out, "Subject", buf_cstr(&s));
	buf_free(&s);
	buf_free(&orig);
}

/* In-Reply-To and References (RFC 5230 5.8, RFC 5322 3.6.4). */
static void add_threading(const struct vacation_params *p, struct buf *out)
{
	struct buf id = BUF_INIT, refs = BUF_INIT, v = BUF_INIT;
	size_t pos = 0;
	if (hdr_get(p->hdr, p->hdr_len, "message-id", &v) &&
	    msgid_next(v.data, v.len, &pos, &id) && id.len > 0 &&
	    !strpbrk(id.data, " \t<>")) {
		buf_printf(out, "In-Reply-To: <%s>\r\n", id.data);
		struct buf one = BUF_INIT;
		if (hdr_get(p->hdr, p->hdr_len, "references", &v)) {
			pos = 0;
			for (int i = 0; i < 20 && msgid_next(v.data, v.len, &pos, &one);
			    i++)
				if (one.len > 0 && !strpbrk(one.data, " \t<>"))
					buf_printf(&refs, "<%s> ", one.data);
		}
		buf_printf(&refs, "<%s>", id.data);
		hdr_append_folded(out, "References", refs.data);
		buf_free(&one);
	}
	buf_free(&id);
	buf_free(&refs);
	buf_free(&v);
}

void vacation_build(const struct vacation_params *p, struct buf *out)
{
	add_from(p, out);
	buf_printf(out, "To: <%s>\r\n", p->env_from);
	add_subject(p, out);
	buf_addstr(out, "Date: ");
	mail_date_format(p->now, out);
	buf_addstr(out, "\r\nMessage-ID: ");
	msgid_generate(p->hostname, out);
	buf_addstr(out, "\r\n");
	add_threading(p, out);
	buf_addstr(out, "Auto-Submitted: auto-replied (vacation)\r\n"
	    "MIME-Version: 1.0\r\n");
	if (p->v->mime) {   /* the reason is an entity, headers and all */
		add_crlf_text(out, p->v->reason);
		return;
	}
	bool ascii = is_ascii(p->v->reason);
	buf_printf(out, "Content-Type: text/plain; charset=%s\r\n"
	    "Content-Transfer-Encoding: %s\r\n\r\n", ascii ? "us-ascii" : "utf-8",
	    ascii ? "7bit" : "base64");
	if (ascii) {
		add_crlf_text(out, p->v->reason);
	} else {
		struct buf t = BUF_INIT;
		add_crlf_text(&t, p->v->reason);
		add_base64_lines(out, t.data, t.len);
		buf_free(&t);
	}
}
