/* DMARC records (RFC 7489 6.3, 6.4): a DKIM-style tag list. Strict where
 * the result changes (v first, p), lenient elsewhere as 6.3 asks. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/xmalloc.h"
#include "mailauth/dmarc.h"

#define DMARC_URI_MAX 1024

struct tag {
	const char *name, *val;
	size_t nlen, vlen;
};

static bool is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void trim(const char **s, size_t *n)
{
	while (*n > 0 && is_fws(**s)) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && is_fws((*s)[*n - 1]))
		(*n)--;
}

/* Splits "name = value"; false if there is no "=" or the name is bad. */
static bool split_tag(const char *s, size_t n, struct tag *t)
{
	const char *eq = memchr(s, '=', n);
	if (eq == NULL)
		return false;
	t->name = s;
	t->nlen = (size_t)(eq - s);
	t->val = eq + 1;
	t->vlen = n - t->nlen - 1;
	trim(&t->name, &t->nlen);
	trim(&t->val, &t->vlen);
	if (t->nlen == 0 || !isalpha((unsigned char)t->name[0]))
		return false;
	for (size_t i = 1; i < t->nlen; i++)
		if (!isalnum((unsigned char)t->name[i]) && t->name[i] != '_')
			return false;
	return true;
}

static bool tag_is(const struct tag *t, const char *name)
{
	return strlen(name) == t->nlen &&
	    strncasecmp(t->name, name, t->nlen) == 0;
}

static bool val_is(const struct tag *t, const char *v)
{
	return strlen(v) == t->vlen && strncasecmp(t->val, v, t->vlen) == 0;
}

bool dmarc_record_is_dmarc(const char *txt, size_t len)
{
	const char *semi = memchr(txt, ';', len);
	size_t n = semi ? (size_t)(semi - txt) : len;
	struct tag t;
	return split_tag(txt, n, &t) && tag_is(&t, "v") &&
	    t.vlen == 6 && memcmp(t.val, "DMARC1", 6) == 0;
}

static bool parse_policy(const struct tag *t, enum dmarc_policy *p)
{
	if (val_is(t, "none"))
		*p = DMARC_POLICY_NONE;
	else if (val_is(t, "quarantine"))
		*p = DMARC_POLICY_QUARANTINE;
	else if (val_is(t, "reject"))
		*p = DMARC_POLICY_REJECT;
	else
		return false;
	return true;
}

/* Decimal digits only, at most max; false leaves *out alone. */
static bool parse_uint(const struct tag *t, unsigned long max,
    unsigned long *out)
{
	if (t->vlen == 0 || t->vlen > 10)
		return false;
	unsigned long v = 0;
	for (size_t i = 0; i < t->vlen; i++) {
		if (!isdigit((unsigned char)t->val[i]))
			return false;
		v = v * 10 + (unsigned long)(t->val[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

/* fo=0:1:d:s and rf=afrf: colon-separated lists. */
static void parse_fo(const struct tag *t, struct dmarc_record *r)
{
	unsigned fo = 0;
	const char *s = t->val, *end = t->val + t->vlen;
	for (;;) {
		const char *c = memchr(s, ':', (size_t)(end - s));
		const char *e = c ? c : end;
		const char *w = s;
		size_t n = (size_t)(e - s);
		trim(&w, &n);
		if (n != 1)
			return;
		switch (tolower((unsigned char)w[0])) {
		case '0': fo |= DMARC_FO_0; break;
		case '1': fo |= DMARC_FO_1; break;
		case 'd': fo |= DMARC_FO_D; break;
		case 's': fo |= DMARC_FO_S; break;
		default: return;             /* bad list: keep the default */
		}
		if (c == NULL)
			break;
		s = c + 1;
	}
	r->fo = fo;
}

/* dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ], separated
 * by commas. Keeps "scheme:rest" entries of printable ASCII. */
static void parse_uris(const struct tag *t, char **uris, size_t *n)
{
	const char *s = t->val, *end = t->val + t->vlen;
	while (*n < DMARC_MAX_URIS) {
		const char *c = memchr(s, ',', (size_t)(end - s));
		const char *e = c ? c : end;
		const char *u = s;
		size_t len = (size_t)(e - s);
		trim(&u, &len);
		const char *bang = memchr(u, '!', len);
		if (bang != NULL)
			len = (size_t)(bang - u);
		bool ok = len > 0 && len <= DMARC_URI_MAX &&
		    isalpha((unsigned char)u[0]) && memchr(u, ':', len) != NULL;
		for (size_t i = 0; ok && i < len; i++) {
			unsigned char ch = (unsigned char)u[i];
			ok = ch > 0x20 && ch < 0x7f;
		}
		if (ok)
			uris[(*n)++] = xstrndup(u, len);
		if (c == NULL)
			break;
		s = c + 1;
	}
}

static void set_defaults(struct dmarc_record *r)
{
	memset(r, 0, sizeof *r);
	r->pct = 100;
	r->fo = DMARC_FO_0;
	r->rf_afrf = true;
	r->ri = 86400;
}

static void apply_tag(const struct tag *t, struct dmarc_record *r,
    int *p_ok, int *sp_ok)
{
	unsigned long v;
	if (tag_is(t, "p") && *p_ok == -1)
		*p_ok = parse_policy(t, &r->p);
	else if (tag_is(t, "sp") && *sp_ok == -1)
		*sp_ok = parse_policy(t, &r->sp);
	else if (tag_is(t, "pct") && parse_uint(t, 100, &v))
		r->pct = (unsigned)v;
	else if (tag_is(t, "adkim") && (val_is(t, "r") || val_is(t, "s")))
		r->adkim_strict = val_is(t, "s");
	else if (tag_is(t, "aspf") && (val_is(t, "r") || val_is(t, "s")))
		r->aspf_strict = val_is(t, "s");
	else if (tag_is(t, "fo"))
		parse_fo(t, r);
	else if (tag_is(t, "rf"))
		r->rf_afrf = val_is(t, "afrf");
	else if (tag_is(t, "ri") && parse_uint(t, 0xffffffffUL, &v))
		r->ri = v;
	else if (tag_is(t, "rua") && r->nrua == 0)
		parse_uris(t, r->rua, &r->nrua);
	else if (tag_is(t, "ruf") && r->nruf == 0)
		parse_uris(t, r->ruf, &r->nruf);
}

bool dmarc_record_parse(const char *txt, size_t len, struct dmarc_record *r,
    struct buf *err)
{
	set_defaults(r);
	if (!dmarc_record_is_dmarc(txt, len)) {
		buf_addstr(err, "does not start with v=DMARC1");
		return false;
	}
	int p_ok = -1, sp_ok = -1;     /* -1: absent */
	const char *s = txt, *end = txt + len;
	bool first = true;
	for (;;) {
		const char *semi = memchr(s, ';', (size_t)(end - s));
		const char *e = semi ? semi : end;
		struct tag t;
		if (!first && split_tag(s, (size_t)(e - s), &t))
			apply_tag(&t, r, &p_ok, &sp_ok);
		first = false;
		if (semi == NULL)
			break;
		s = semi + 1;
	}
	if (sp_ok == -1)
		r->sp = r->p;
	if (p_ok != 1 || sp_ok == 0) {
		/* RFC 7489 6.6.3 step 6: with a usable rua, act as p=none */
		if (r->nrua == 0) {
			buf_addstr(err, p_ok == -1 ? "no p= tag" :
			    "bad p= or sp=");
			dmarc_record_free(r);
			return false;
		}
		r->p = r->sp = DMARC_POLICY_NONE;
		r->none_for_rua = true;
	}
	return true;
}

void dmarc_record_free(struct dmarc_record *r)
{
	for (size_t i = 0; i < r->nrua; i++)
		free(r->rua[i]);
	for (size_t i = 0; i < r->nruf; i++)
		free(r->ruf[i]);
	set_defaults(r);
}
