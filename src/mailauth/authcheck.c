/* SPF, DKIM and DMARC of one message side by side: each engine is a
 * sans-I/O stepper, so this only routes questions and answers by token
 * and, at the end, combines their results. */
#include "mailauth/authcheck.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "common/dns.h"
#include "common/xmalloc.h"
#include "mail/addrlist.h"
#include "mail/header.h"
#include "mailauth/authres.h"
#include "mailauth/dkim_verify.h"

enum { TOKEN_SPF, TOKEN_DMARC, TOKEN_HELO, TOKEN_DKIM };

/* A stepper's state between questions. */
struct engine {
	bool asked;      /* a question is out */
	bool done;
};

struct authcheck {
	struct spf *spf;
	struct spf *helo;        /* the HELO identity too (RFC 7208 2.3), or NULL */
	struct dmarc *dmarc;
	struct engine spf_e, dmarc_e, helo_e;
	struct dkim_verifier *dkim;
	size_t dkim_next;        /* key questions handed out */
	bool *dkim_answered;
	bool from_ok;
	char *mailfrom, *helo_name, *authserv_id;
	bool finished;
};

/* The From domain, lower-cased, if the header has exactly one From field
 * with exactly one address (RFC 7489 6.6.1); "" otherwise. */
static bool from_domain(const char *hdr, size_t len, struct buf *out)
{
	struct buf val = BUF_INIT;
	struct addrlist al = { 0 };
	bool ok = false;
	if (hdr_count(hdr, len, "From") == 1 && hdr_get(hdr, len, "From", &val)) {
		addrlist_parse(buf_cstr(&val), val.len, 4, &al);
		ok = al.n == 1 && !al.v[0].invalid && al.v[0].host != NULL &&
		    al.v[0].host[0] != '\0';
		for (const char *h = ok ? al.v[0].host : ""; *h; h++)
			buf_addch(out, (char)tolower((unsigned char)*h));
	}
	addrlist_free(&al);
	buf_free(&val);
	return ok;
}

struct authcheck *authcheck_new(const struct authcheck_params *p)
{
	struct authcheck *c = xcalloc(1, sizeof *c);
	c->mailfrom = xstrdup(p->mailfrom);
	c->helo_name = xstrdup(p->helo);
	c->authserv_id = xstrdup(p->authserv_id);
	c->spf = spf_new();
	spf_set_receiver(c->spf, p->authserv_id);
	spf_set_time(c->spf, p->now);
	if (!spf_start(c->spf, p->ip, p->mailfrom, p->helo))
		(void)spf_start(c->spf, "0.0.0.0", "", "");
	/* For the null sender the check above is the HELO check already. */
	if (p->mailfrom[0] != '\0' && authdns_host_ok(p->helo, 253)) {
		c->helo = spf_new();
		spf_set_receiver(c->helo, p->authserv_id);
		spf_set_time(c->helo, p->now);
		if (!spf_start_helo(c->helo, p->ip, p->helo)) {
			spf_free(c->helo);
			c->helo = NULL;
		}
	}
	c->helo_e.done = c->helo == NULL;
	struct buf dom = BUF_INIT;
	c->from_ok = from_domain(p->hdr, p->hdr_len, &dom);
	c->dmarc = dmarc_new();
	(void)dmarc_start(c->dmarc, buf_cstr(&dom));
	buf_free(&dom);
	c->dkim = dkim_verifier_new(p->hdr, p->hdr_len, p->now);
	size_t nq = dkim_verifier_nqueries(c->dkim);
	c->dkim_answered = xcalloc(nq ? nq : 1, sizeof *c->dkim_answered);
	return c;
}

void authcheck_free(struct authcheck *c)
{
	if (c == NULL)
		return;
	spf_free(c->spf);
	spf_free(c->helo);
	dmarc_free(c->dmarc);
	dkim_verifier_free(c->dkim);
	free(c->dkim_answered);
	free(c->mailfrom);
	free(c->helo_name);
	free(c->authserv_id);
	free(c);
}

static bool next_dmarc(struct authcheck *c, struct authcheck_query *q);

static bool next_spf(struct spf *spf, struct engine *e, unsigned token,
    struct authcheck_query *q)
{
	struct spf_query sq;
	if (e->asked || e->done)
		return false;
	if (spf_step(spf, &sq) == SPF_DONE) {
		e->done = true;
		return false;
	}
	e->asked = true;
	*q = (struct authcheck_query){ token, sq.type, sq.name };
	return true;
}

/* The next question of one of the steppers. */
static bool next_step(struct authcheck *c, struct authcheck_query *q)
{
	return next_spf(c->spf, &c->spf_e, TOKEN_SPF, q) ||
	    next_spf(c->helo, &c->helo_e, TOKEN_HELO, q) || next_dmarc(c, q);
}

static bool next_dmarc(struct authcheck *c, struct authcheck_query *q)
{
	const char *name;
	if (c->dmarc_e.asked || c->dmarc_e.done)
		return false;
	if (dmarc_step(c->dmarc, &name) == DMARC_DONE) {
		c->dmarc_e.done = true;
		return false;
	}
	c->dmarc_e.asked = true;
	*q = (struct authcheck_query){ TOKEN_DMARC, SPF_QTYPE_TXT, name };
	return true;
}

bool authcheck_next_query(struct authcheck *c, struct authcheck_query *q)
{
	if (c->finished)
		return false;
	if (next_step(c, q))
		return true;
	if (c->dkim_next < dkim_verifier_nqueries(c->dkim)) {
		size_t i = c->dkim_next++;
		*q = (struct authcheck_query){ TOKEN_DKIM + (unsigned)i,
			SPF_QTYPE_TXT, dkim_verifier_query(c->dkim, i) };
		return true;
	}
	return false;
}

void authcheck_dkim_key(struct dkim_verifier *v, const char *name,
    enum authdns_rcode rc, const struct authdns_rr *rr, size_t n)
{
	if (rc != AUTHDNS_OK || n == 0) {
		dkim_verifier_dns_fail(v, name, rc == AUTHDNS_TEMPFAIL ?
		    DKIM_DNS_TEMPFAIL : DKIM_DNS_NXDOMAIN);
		return;
	}
	for (size_t k = 0; k < n; k++) {
		const char *s = rr[k].data;
		size_t len = rr[k].len;
		dkim_verifier_txt(v, name, &s, &len, 1);
	}
}

void authcheck_answer(struct authcheck *c, unsigned token,
    enum authdns_rcode rc, const struct authdns_rr *rr, size_t n)
{
	if (c->finished)
		return;
	if (token == TOKEN_SPF && c->spf_e.asked) {
		c->spf_e.asked = false;
		spf_answer(c->spf, rc, rr, n);
	} else if (token == TOKEN_HELO && c->helo_e.asked) {
		c->helo_e.asked = false;
		spf_answer(c->helo, rc, rr, n);
	} else if (token == TOKEN_DMARC && c->dmarc_e.asked) {
		c->dmarc_e.asked = false;
		dmarc_answer(c->dmarc, rc, rr, n);
	} else if (token >= TOKEN_DKIM && token - TOKEN_DKIM < c->dkim_next &&
	    !c->dkim_answered[token - TOKEN_DKIM]) {
		size_t i = token - TOKEN_DKIM;
		c->dkim_answered[i] = true;
		authcheck_dkim_key(c->dkim, dkim_verifier_query(c->dkim, i), rc,
		    rr, n);
	}
}

bool authcheck_busy(const struct authcheck *c)
{
	if (c->spf_e.asked || c->dmarc_e.asked || c->helo_e.asked)
		return true;
	for (size_t i = 0; i < c->dkim_next; i++)
		if (!c->dkim_answered[i])
			return true;
	return false;
}

void authcheck_body(struct authcheck *c, const void *p, size_t n)
{
	if (!c->finished)
		dkim_verifier_body(c->dkim, p, n);
}

/* Runs a stepper to its end, every question failing temporarily. */
static void drain(struct authcheck *c)
{
	struct authcheck_query q;
	for (;;) {
		if (c->spf_e.asked)
			authcheck_answer(c, TOKEN_SPF, AUTHDNS_TEMPFAIL, NULL, 0);
		if (c->dmarc_e.asked)
			authcheck_answer(c, TOKEN_DMARC, AUTHDNS_TEMPFAIL, NULL, 0);
		if (c->helo_e.asked)
			authcheck_answer(c, TOKEN_HELO, AUTHDNS_TEMPFAIL, NULL, 0);
		if (!next_step(c, &q))
			break;
	}
}

static void add_dkim(struct authres *ar, const struct dkim_result_info *r,
    size_t n)
{
	for (size_t i = 0; i < n; i++)
		authres_add_dkim(ar, dkim_result_name(r[i].result), r[i].reason,
		    r[i].domain[0] ? r[i].domain : NULL,
		    r[i].selector[0] ? r[i].selector : NULL,
		    r[i].header_b[0] ? r[i].header_b : NULL);
	if (n == 0)
		authres_method(ar, "dkim", "none", NULL);
}

void authcheck_finish(struct authcheck *c, unsigned sample,
    struct authcheck_verdict *v, struct buf *header)
{
	drain(c);
	c->finished = true;
	memset(v, 0, sizeof *v);
	const struct dkim_result_info *r;
	size_t n = dkim_verifier_finish(c->dkim, &r);
	const char *passed[DKIM_VERIFY_MAX_SIGS];
	size_t npassed = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].result == DKIM_PASS && npassed < DKIM_VERIFY_MAX_SIGS)
			passed[npassed++] = r[i].domain;
		v->dkim_fail |= r[i].result == DKIM_FAIL ||
		    r[i].result == DKIM_PERMERROR || r[i].result == DKIM_POLICY;
	}
	v->spf = spf_result(c->spf);
	v->helo_checked = c->helo != NULL;
	v->spf_helo = c->helo ? spf_result(c->helo) : SPF_RESULT_NONE;
	v->ndkim = n;
	v->dkim_pass = npassed > 0;
	v->from_ok = c->from_ok;
	struct dmarc_auth auth = { v->spf, spf_domain(c->spf), passed, npassed };
	dmarc_evaluate(c->dmarc, &auth, sample, &v->dmarc);

	struct authres ar;
	authres_init(&ar, c->authserv_id);
	authres_add_spf(&ar, v->spf, spf_problem(c->spf), c->mailfrom, c->helo_name);
	if (c->helo != NULL)
		authres_add_spf(&ar, v->spf_helo, spf_problem(c->helo), "",
		    c->helo_name);
	add_dkim(&ar, r, n);
	authres_add_dmarc(&ar, &v->dmarc);
	authres_finish(&ar, header);
	authres_free(&ar);
}

int authcheck_score(const struct authcheck_verdict *v)
{
	int score = 0;
	if (v->spf == SPF_RESULT_FAIL)
		score += 1500;
	else if (v->spf == SPF_RESULT_SOFTFAIL)
		score += 700;
	else if (v->spf == SPF_RESULT_PERMERROR)
		score += 300;
	if (v->dkim_fail && !v->dkim_pass)
		score += 1000;
	if (v->dmarc.result == DMARC_RESULT_FAIL)
		score += 2500;
	if (!v->from_ok)
		score += 1000;
	return score;
}

int authcheck_dns_type(enum spf_qtype t)
{
	switch (t) {
	case SPF_QTYPE_A: return DNS_T_A;
	case SPF_QTYPE_AAAA: return DNS_T_AAAA;
	case SPF_QTYPE_MX: return DNS_T_MX;
	case SPF_QTYPE_PTR: return DNS_T_PTR;
	default: return DNS_T_TXT;
	}
}
