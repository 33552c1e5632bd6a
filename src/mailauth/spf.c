/* SPF check_host(): the stepper, record fetching, include/redirect frames
 * and the explanation. Mechanisms are in spf_eval.c, PTR in spf_ptr.c. */
#include "mailauth/spf.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/xmalloc.h"
#include "mailauth/spf_int.h"
#include "mailauth/spf_macro.h"

struct spf *spf_new(void)
{
	struct spf *s = xcalloc(1, sizeof *s);
	return s;
}

void spf_frame_clear(struct spf_frame *f)
{
	free(f->domain);
	spf_record_free(&f->rec);
	for (size_t i = 0; i < f->nnames; i++)
		free(f->names[i]);
	free(f->exp_text);
	memset(f, 0, sizeof *f);
}

static void spf_clear(struct spf *s)
{
	while (s->depth > 0)
		spf_frame_clear(&s->frames[--s->depth]);
	spf_ptr_clear(&s->ptr);
	free(s->sender);
	free(s->local);
	free(s->sender_domain);
	free(s->helo);
	free(s->explanation);
	s->sender = s->local = s->sender_domain = s->helo = NULL;
	s->explanation = NULL;
	s->lookups = s->voids = 0;
	s->nqueries = 0;
	s->pending = s->done = false;
	s->result = SPF_RESULT_NONE;
	buf_reset(&s->problem);
	buf_reset(&s->qname);
}

void spf_free(struct spf *s)
{
	if (s == NULL)
		return;
	spf_clear(s);
	free(s->receiver);
	buf_free(&s->problem);
	buf_free(&s->qname);
	free(s);
}

void spf_set_receiver(struct spf *s, const char *domain)
{
	free(s->receiver);
	s->receiver = domain ? xstrdup(domain) : NULL;
}

void spf_set_time(struct spf *s, long long now)
{
	s->now = now;
}

struct spf_frame *spf_top(struct spf *s)
{
	return &s->frames[s->depth - 1];
}

void spf_ask(struct spf *s, enum spf_wait w, enum spf_qtype t,
    const char *name)
{
	buf_set(&s->qname, name);
	s->wait = w;
	s->qtype = t;
	s->pending = true;
	s->nqueries++;
}

void spf_finish(struct spf *s, enum spf_result r, const char *why)
{
	s->done = true;
	s->pending = false;
	s->result = r;
	if (why != NULL)
		buf_set(&s->problem, why);
}

bool spf_push(struct spf *s, const char *domain, bool include)
{
	if (s->depth >= SPF_MAX_FRAMES) {
		/* unreachable: every push costs one of the 10 lookups */
		spf_finish(s, SPF_RESULT_PERMERROR, "too many nested records");
		return false;
	}
	struct spf_frame *f = &s->frames[s->depth++];
	memset(f, 0, sizeof *f);
	f->domain = xstrdup(domain);
	f->include = include;
	f->state = SPF_FS_FETCH;
	return true;
}

static bool start(struct spf *s, const char *ip, const char *sender,
    const char *helo)
{
	spf_clear(s);
	if (!spf_ip_parse(ip, &s->ip))
		return false;
	helo = helo ? helo : "";
	if (strlen(helo) > SPF_IDENTITY_MAX ||
	    strlen(sender) > SPF_IDENTITY_MAX) {
		s->helo = xstrdup("");
		s->sender = xstrdup("");
		s->local = xstrdup("");
		s->sender_domain = xstrdup("");
		spf_finish(s, SPF_RESULT_NONE, "identity too long");
		return true;
	}
	s->helo = xstrdup(helo);
	struct buf full = BUF_INIT;
	if (*sender == '\0')
		buf_printf(&full, "postmaster@%s", helo);
	else
		buf_addstr(&full, sender);
	s->sender = buf_detach(&full);
	const char *at = strrchr(s->sender, '@');
	if (at == NULL) {
		s->local = xstrdup("postmaster");
		s->sender_domain = xstrdup(s->sender);
	} else {
		size_t ln = (size_t)(at - s->sender);
		s->local = ln ? xstrndup(s->sender, ln) : xstrdup("postmaster");
		s->sender_domain = xstrdup(at + 1);
		if (ln == 0) {          /* RFC 7208 4.3: "@example.com" */
			free(s->sender);
			struct buf pm = BUF_INIT;
			buf_printf(&pm, "postmaster@%s", s->sender_domain);
			s->sender = buf_detach(&pm);
		}
	}
	size_t dn = strlen(s->sender_domain);
	if (dn > 0 && s->sender_domain[dn - 1] == '.')
		s->sender_domain[dn - 1] = '\0';
	if (!authdns_host_ok(s->sender_domain, SPF_NAME_MAX))
		spf_finish(s, SPF_RESULT_NONE, "not a valid domain name");
	else
		spf_push(s, s->sender_domain, false);
	return true;
}

bool spf_start(struct spf *s, const char *ip, const char *sender,
    const char *helo)
{
	return start(s, ip, sender ? sender : "", helo);
}

bool spf_start_helo(struct spf *s, const char *ip, const char *helo)
{
	return start(s, ip, "", helo);
}

static void macro_env(const struct spf *s, const struct spf_frame *f,
    struct spf_macro_env *env)
{
	*env = (struct spf_macro_env){
		.sender = s->sender, .local = s->local,
		.sender_domain = s->sender_domain, .domain = f->domain,
		.helo = s->helo, .receiver = s->receiver,
		.validated = spf_ptr_choose(s, f->domain),
		.ip = &s->ip, .now = s->now,
	};
}

enum spf_target spf_target(struct spf *s, const struct spf_frame *f,
    const char *spec, struct buf *out)
{
	buf_reset(out);
	if (spec == NULL) {
		buf_addstr(out, f->domain);
	} else {
		size_t n = strlen(spec);
		if (spf_macro_uses_p(spec, n) && !spf_ptr_ready(s))
			return SPF_TGT_WAIT;
		struct spf_macro_env env;
		macro_env(s, f, &env);
		if (!spf_macro_expand(&env, spec, n, false, out))
			return SPF_TGT_ERR;
	}
	return spf_query_name(out) ? SPF_TGT_OK : SPF_TGT_BAD;
}

enum spf_result spf_qual_result(char q)
{
	switch (q) {
	case '-': return SPF_RESULT_FAIL;
	case '~': return SPF_RESULT_SOFTFAIL;
	case '?': return SPF_RESULT_NEUTRAL;
	default:  return SPF_RESULT_PASS;
	}
}

void spf_frame_done(struct spf *s, enum spf_result r)
{
	struct spf_frame *f = spf_top(s);
	if (!f->include) {
		if (r == SPF_RESULT_FAIL && f->rec.exp != NULL) {
			s->result = r;
			f->state = SPF_FS_EXP_FETCH;
		} else {
			spf_finish(s, r, NULL);
		}
		return;
	}
	spf_frame_clear(f);
	s->depth--;
	struct spf_frame *parent = spf_top(s);
	switch (r) {
	case SPF_RESULT_PASS:      /* RFC 7208 5.2: the include matches */
		spf_frame_done(s,
		    spf_qual_result(parent->rec.terms[parent->term].qual));
		break;
	case SPF_RESULT_FAIL:
	case SPF_RESULT_SOFTFAIL:
	case SPF_RESULT_NEUTRAL:
		parent->term++;
		break;
	case SPF_RESULT_TEMPERROR:
		spf_finish(s, r, "temporary DNS error in an included record");
		break;
	case SPF_RESULT_NONE:
	case SPF_RESULT_PERMERROR:
		spf_finish(s, SPF_RESULT_PERMERROR,
		    "included domain has no valid SPF record");
		break;
	}
}

static void on_record(struct spf *s, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n)
{
	struct spf_frame *f = spf_top(s);
	if (rc == AUTHDNS_TEMPFAIL) {
		spf_finish(s, SPF_RESULT_TEMPERROR,
		    "DNS error fetching a record");
		return;
	}
	struct spf_txt *txt = xreallocarray(NULL, n + 1, sizeof *txt);
	for (size_t i = 0; i < n; i++)
		txt[i] = (struct spf_txt){ rr[i].data,
		    rr[i].data ? rr[i].len : 0 };
	size_t which = 0;
	enum spf_select sel = rc == AUTHDNS_OK ?
	    spf_record_select(txt, n, &which) : SPF_SELECT_NONE;
	free(txt);
	if (sel == SPF_SELECT_MANY) {
		spf_finish(s, SPF_RESULT_PERMERROR, "more than one SPF record");
		return;
	}
	if (sel == SPF_SELECT_NONE) {
		if (f->include || f->redirected)
			spf_finish(s, SPF_RESULT_PERMERROR,
			    "included or redirected domain has no SPF record");
		else
			spf_finish(s, SPF_RESULT_NONE, "no SPF record");
		return;
	}
	struct buf err = BUF_INIT;
	if (!spf_record_parse(rr[which].data, rr[which].len, &f->rec, &err)) {
		buf_printf(&s->problem, "SPF record of %s: ", f->domain);
		buf_add(&s->problem, err.data, err.len);
		spf_finish(s, SPF_RESULT_PERMERROR, NULL);
	} else {
		f->state = SPF_FS_EVAL;
	}
	buf_free(&err);
}

/* Looks up the exp= domain's TXT record (RFC 7208 6.2). Any trouble means
 * no explanation, never a different result. */
static void exp_fetch(struct spf *s, struct spf_frame *f)
{
	struct buf name = BUF_INIT;
	enum spf_target t = spf_target(s, f, f->rec.exp, &name);
	if (t == SPF_TGT_OK)
		spf_ask(s, SPF_W_EXP, SPF_QTYPE_TXT, name.data);
	else if (t != SPF_TGT_WAIT)
		spf_finish(s, SPF_RESULT_FAIL, NULL);
	buf_free(&name);
}

static void on_exp(struct spf *s, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n)
{
	struct spf_frame *f = spf_top(s);
	if (rc != AUTHDNS_OK || n != 1 || rr[0].data == NULL ||
	    !spf_macro_valid(rr[0].data, rr[0].len, true)) {
		spf_finish(s, SPF_RESULT_FAIL, NULL);
		return;
	}
	f->exp_text = xstrndup(rr[0].data, rr[0].len);
	f->state = SPF_FS_EXP_TEXT;
}

static void exp_text(struct spf *s, struct spf_frame *f)
{
	size_t n = strlen(f->exp_text);
	if (spf_macro_uses_p(f->exp_text, n) && !spf_ptr_ready(s))
		return;
	struct spf_macro_env env;
	macro_env(s, f, &env);
	struct buf out = BUF_INIT;
	if (spf_macro_expand(&env, f->exp_text, n, true, &out)) {
		/* it goes into an SMTP reply: one line, bounded */
		if (out.len > SPF_EXP_MAX)
			out.data[out.len = SPF_EXP_MAX] = '\0';
		for (size_t i = 0; i < out.len; i++)
			if ((unsigned char)out.data[i] < 0x20 ||
			    out.data[i] == 0x7f)
				out.data[i] = '?';
		s->explanation = buf_detach(&out);
	}
	buf_free(&out);
	spf_finish(s, SPF_RESULT_FAIL, NULL);
}

static void advance(struct spf *s)
{
	if (s->ptr.state == SPF_PTR_RUNNING) {
		spf_ptr_advance(s);
		return;
	}
	struct spf_frame *f = spf_top(s);
	switch (f->state) {
	case SPF_FS_FETCH:
		spf_ask(s, SPF_W_RECORD, SPF_QTYPE_TXT, f->domain);
		break;
	case SPF_FS_EVAL:
	case SPF_FS_MXHOSTS:
		spf_eval_advance(s, f);
		break;
	case SPF_FS_EXP_FETCH:
		exp_fetch(s, f);
		break;
	case SPF_FS_EXP_TEXT:
		exp_text(s, f);
		break;
	}
}

enum spf_status spf_step(struct spf *s, struct spf_query *q)
{
	while (!s->done && !s->pending && s->depth > 0)
		advance(s);
	if (!s->done && !s->pending)
		spf_finish(s, SPF_RESULT_PERMERROR, "not started");
	if (s->done)
		return SPF_DONE;
	q->type = s->qtype;
	q->name = buf_cstr(&s->qname);
	return SPF_QUERY;
}

void spf_answer(struct spf *s, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n)
{
	if (!s->pending || s->done)
		return;
	s->pending = false;
	if (rr == NULL)
		n = 0;
	switch (s->wait) {
	case SPF_W_RECORD:
		on_record(s, rc, rr, n);
		break;
	case SPF_W_EXP:
		on_exp(s, rc, rr, n);
		break;
	case SPF_W_PTR:
	case SPF_W_PTRADDR:
		spf_ptr_answer(s, rc, rr, n);
		break;
	default:
		spf_eval_answer(s, rc, rr, n);
		break;
	}
}

enum spf_result spf_result(const struct spf *s)
{
	return s->result;
}

const char *spf_explanation(const struct spf *s)
{
	return s->result == SPF_RESULT_FAIL ? s->explanation : NULL;
}

const char *spf_problem(const struct spf *s)
{
	return s->problem.len > 0 ? s->problem.data : NULL;
}

const char *spf_domain(const struct spf *s)
{
	return s->sender_domain ? s->sender_domain : "";
}

const char *spf_sender(const struct spf *s)
{
	return s->sender ? s->sender : "";
}

size_t spf_queries(const struct spf *s)
{
	return s->nqueries;
}

const char *spf_result_name(enum spf_result r)
{
	static const char *const names[] = {
		[SPF_RESULT_NONE] = "none", [SPF_RESULT_NEUTRAL] = "neutral",
		[SPF_RESULT_PASS] = "pass", [SPF_RESULT_FAIL] = "fail",
		[SPF_RESULT_SOFTFAIL] = "softfail",
		[SPF_RESULT_TEMPERROR] = "temperror",
		[SPF_RESULT_PERMERROR] = "permerror",
	};
	return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : "none";
}
