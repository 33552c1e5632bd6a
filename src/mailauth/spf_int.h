/* Internals of the SPF engine shared by spf.c, spf_eval.c and spf_ptr.c. */
#ifndef AMB_MAILAUTH_SPF_INT_H
#define AMB_MAILAUTH_SPF_INT_H
#include "common/buf.h"
#include "mailauth/spf.h"
#include "mailauth/spf_ip.h"
#include "mailauth/spf_record.h"

#define SPF_MAX_LOOKUPS  10   /* RFC 7208 4.6.4 */
#define SPF_MAX_VOID     2
#define SPF_MAX_NAMES    10   /* MX and PTR names per mechanism */
#define SPF_MAX_FRAMES   (SPF_MAX_LOOKUPS + 2)
#define SPF_IDENTITY_MAX 1024 /* longer senders and HELO names: none */
#define SPF_EXP_MAX      400  /* explanations are cut to this length */

enum spf_wait {
	SPF_W_RECORD, SPF_W_ADDR, SPF_W_MX, SPF_W_MXHOST, SPF_W_EXISTS,
	SPF_W_PTR, SPF_W_PTRADDR, SPF_W_EXP,
};

enum spf_fstate {
	SPF_FS_FETCH,      /* needs the domain's TXT records */
	SPF_FS_EVAL,       /* evaluating terms[term] */
	SPF_FS_MXHOSTS,    /* looking up names[iname] for an mx mechanism */
	SPF_FS_EXP_FETCH,  /* result is fail: fetch the exp= TXT */
	SPF_FS_EXP_TEXT,   /* expand the explanation in exp_text */
};

struct spf_frame {
	char *domain;
	struct spf_record rec;
	enum spf_fstate state;
	bool include;          /* result goes to the including record */
	bool redirected;       /* reached through redirect= */
	size_t term;
	size_t counted;        /* term + 1 once its lookup was counted */
	char *names[SPF_MAX_NAMES];
	size_t nnames, iname;
	char *exp_text;
};

enum spf_ptr_state { SPF_PTR_IDLE, SPF_PTR_RUNNING, SPF_PTR_DONE };

/* The validated names of the client address (RFC 7208 5.5), found once
 * and shared by every ptr mechanism and %{p}. */
struct spf_ptr {
	enum spf_ptr_state state;
	bool asked;
	char *names[SPF_MAX_NAMES];
	bool valid[SPF_MAX_NAMES];
	size_t n, i;
};

struct spf {
	struct spf_ip ip;
	char *sender, *local, *sender_domain, *helo, *receiver;
	long long now;
	struct spf_frame frames[SPF_MAX_FRAMES];
	size_t depth;
	struct spf_ptr ptr;
	unsigned lookups, voids;
	size_t nqueries;
	bool pending;
	enum spf_wait wait;
	enum spf_qtype qtype;
	struct buf qname;
	bool done;
	enum spf_result result;
	char *explanation;
	struct buf problem;
};

enum spf_target { SPF_TGT_OK, SPF_TGT_WAIT, SPF_TGT_BAD, SPF_TGT_ERR };

/* spf.c */
void spf_ask(struct spf *s, enum spf_wait w, enum spf_qtype t,
    const char *name);
void spf_finish(struct spf *s, enum spf_result r, const char *why);
void spf_frame_done(struct spf *s, enum spf_result r);
/* The result a matching mechanism with qualifier q gives. */
enum spf_result spf_qual_result(char q);
struct spf_frame *spf_top(struct spf *s);
/* Expands spec (or the frame's domain if spec is NULL) into a query name.
 * WAIT: %{p} must be resolved first (started); BAD: not a usable name;
 * ERR: expansion too long. */
enum spf_target spf_target(struct spf *s, const struct spf_frame *f,
    const char *spec, struct buf *out);
bool spf_push(struct spf *s, const char *domain, bool include);
void spf_frame_clear(struct spf_frame *f);

/* spf_eval.c */
void spf_eval_advance(struct spf *s, struct spf_frame *f);
void spf_eval_answer(struct spf *s, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n);

/* spf_ptr.c */
bool spf_ptr_ready(struct spf *s);
void spf_ptr_advance(struct spf *s);
void spf_ptr_answer(struct spf *s, enum authdns_rcode rc,
    const struct authdns_rr *rr, size_t n);
const char *spf_ptr_choose(const struct spf *s, const char *domain);
bool spf_ptr_match(const struct spf *s, const char *target);
void spf_ptr_clear(struct spf_ptr *p);
/* True if one of the address records equals the client address. */
bool spf_rr_has_ip(const struct spf *s, const struct authdns_rr *rr,
    size_t n, int cidr4, int cidr6);
/* Copies a name from an answer record, made a usable query name. */
bool spf_rr_name(const struct authdns_rr *rr, struct buf *out);

#endif
