/* SPF mechanisms (RFC 7208 5) and the end of a record (redirect=, 6.1). */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "common/xmalloc.h"
#include "mailauth/spf_int.h"
#include "mailauth/spf_macro.h"

static const struct spf_term *cur_term(struct spf_frame *f)
{
	return &f->rec.terms[f->term];
}

static void match(struct spf *s, struct spf_frame *f)
{
	spf_frame_done(s, spf_qual_result(cur_term(f)->qual));
}

static enum spf_qtype addr_qtype(const struct spf *s)
{
	return s->ip.family == AF_INET ? SPF_QTYPE_A : SPF_QTYPE_AAAA;
}

/* Counts one DNS-querying term; false (and permerror) past the limit. */
static bool count_lookup(struct spf *s, struct spf_frame *f)
{
	if (f->counted == f->term + 1)
		return true;           /* re-entered after resolving %{p} */
	if (++s->lookups > SPF_MAX_LOOKUPS) {
		spf_finish(s, SPF_RESULT_PERMERROR,
		    "more than 10 DNS-querying mechanisms");
		return false;
	}
	f->counted = f->term + 1;
	return true;
}

/* A lookup that found nothing (RFC 7208 4.6.4); false past the limit. */
static bool count_void(struct spf *s)
{
	if (++s->voids > SPF_MAX_VOID) {
		spf_finish(s, SPF_RESULT_PERMERROR, "more than 2 void lookups");
		return false;
	}
	return true;
}

static void redirect(struct spf *s, struct spf_frame *f)
{
	if (!count_lookup(s, f))
		return;
	struct buf target = BUF_INIT;
	enum spf_target t = spf_target(s, f, f->rec.redirect, &target);
	if (t == SPF_TGT_OK) {
		bool include = f->include;
		spf_frame_clear(f);
		s->depth--;
		spf_push(s, target.data, include);
		spf_top(s)->redirected = true;
	} else if (t != SPF_TGT_WAIT) {
		spf_finish(s, SPF_RESULT_PERMERROR, "bad redirect target");
	}
	buf_free(&target);
}

static void ptr_mech(struct spf *s, struct spf_frame *f, const char *target)
{
	if (spf_ptr_match(s, target))
		match(s, f);
	else
		f->term++;
}

static void dns_mech(struct spf *s, struct spf_frame *f)
{
	const struct spf_term *t = cur_term(f);
	if (!count_lookup(s, f))
		return;
	if (t->mech == SPF_MECH_PTR && !spf_ptr_ready(s))
		return;
	struct buf target = BUF_INIT;
	enum spf_target tg = spf_target(s, f, t->spec, &target);
	if (tg == SPF_TGT_ERR) {
		spf_finish(s, SPF_RESULT_PERMERROR, "macro expansion too long");
	} else if (tg == SPF_TGT_BAD) {
		/* No query can be made for it: nothing there to match. */
		if (t->mech == SPF_MECH_INCLUDE)
			spf_finish(s, SPF_RESULT_PERMERROR,
			    "bad include target");
		else
			f->term++;
	} else if (tg == SPF_TGT_OK) {
		switch (t->mech) {
		case SPF_MECH_A:
			spf_ask(s, SPF_W_ADDR, addr_qtype(s), target.data);
			break;
		case SPF_MECH_MX:
			spf_ask(s, SPF_W_MX, SPF_QTYPE_MX, target.data);
			break;
		case SPF_MECH_EXISTS:
			spf_ask(s, SPF_W_EXISTS, SPF_QTYPE_A, target.data);
			break;
		case SPF_MECH_PTR:
			ptr_mech(s, f, target.data);
			break;
		case SPF_MECH_INCLUDE:
			spf_push(s, target.data, true);
			break;
		default:
			break;
		}
	}
	buf_free(&target);
}

static void mx_stop(struct spf_frame *f)
{
	for (size_t i = 0; i < f->nnames; i++)
		free(f->names[i]);
	f->nnames = f->iname = 0;
	f->state = SPF_FS_EVAL;
}

static void mx_next(struct spf *s, struct spf_frame *f)
{
	if (f->iname < f->nnames) {
		spf_ask(s, SPF_W_MXHOST, addr_qtype(s), f->names[f->iname]);
		return;
	}
	mx_stop(f);
	f->term++;
}

void spf_eval_advance(struct spf *s, struct spf_frame *f)
{
	if (f->state == SPF_FS_MXHOSTS) {
		mx_next(s, f);
		return;
	}
	if (f->term >= f->rec.nterms) {
		if (f->rec.redirect != NULL)
			redirect(s, f);
		else
			spf_frame_done(s, SPF_RESULT_NEUTRAL);
		return;
	}
	const struct spf_term *t = cur_term(f);
	switch (t->mech) {
	case SPF_MECH_ALL:
		match(s, f);
		break;
	case SPF_MECH_IP4:
	case SPF_MECH_IP6: {
		bool v4 = t->mech == SPF_MECH_IP4;
		if (spf_ip_in(&s->ip, v4 ? AF_INET : AF_INET6, t->addr,
		    v4 ? t->cidr4 : t->cidr6))
			match(s, f);
		else
			f->term++;
		break;
	}
	default:
		dns_mech(s, f);
		break;
	}
}

static void on_mx(struct spf *s, struct spf_frame *f,
    const struct authdns_rr *rr, size_t n)
{
	if (n > SPF_MAX_NAMES) {
		spf_finish(s, SPF_RESULT_PERMERROR, "more than 10 MX records");
		return;
	}
	struct buf name = BUF_INIT;
	for (size_t i = 0; i < n; i++) {
		/* a null MX (".", RFC 7505) and unusable names have no hosts */
		if (spf_rr_name(&rr[i], &name))
			f->names[f->nnames++] = xstrdup(name.data);
	}
	buf_free(&name);
	f->iname = 0;
	f->state = SPF_FS_MXHOSTS;
}

void spf_eval_answer(struct spf *s, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n)
{
	struct spf_frame *f = spf_top(s);
	const struct spf_term *t = cur_term(f);
	if (rc == AUTHDNS_TEMPFAIL) {
		spf_finish(s, SPF_RESULT_TEMPERROR, "DNS error in a mechanism");
		return;
	}
	if (rc == AUTHDNS_NXDOMAIN)
		n = 0;
	if (s->wait == SPF_W_MXHOST) {
		if (spf_rr_has_ip(s, rr, n, t->cidr4, t->cidr6)) {
			mx_stop(f);
			match(s, f);
		} else {
			f->iname++;
		}
		return;
	}
	if (n == 0) {
		if (count_void(s))
			f->term++;
		return;
	}
	switch (s->wait) {
	case SPF_W_ADDR:
		if (spf_rr_has_ip(s, rr, n, t->cidr4, t->cidr6))
			match(s, f);
		else
			f->term++;
		break;
	case SPF_W_EXISTS:
		match(s, f);
		break;
	case SPF_W_MX:
		on_mx(s, f, rr, n);
		break;
	default:
		break;
	}
}
