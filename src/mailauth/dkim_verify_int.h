/* Verifier state shared by dkim_verify.c (setup, DNS answers) and
 * dkim_verify_eval.c (the verdicts). */
#ifndef AMB_DKIM_VERIFY_INT_H
#define AMB_DKIM_VERIFY_INT_H
#include "common/buf.h"
#include "mailauth/dkim_canon.h"
#include "mailauth/dkim_key.h"
#include "mailauth/dkim_sig.h"
#include "mailauth/dkim_verify.h"

enum query_state { Q_WAITING, Q_KEY, Q_BADKEY, Q_NXDOMAIN, Q_TEMPFAIL };

struct vquery {
	char *name;
	enum query_state state;
	struct dkim_key key;        /* Q_KEY */
	const char *why;            /* Q_BADKEY */
};

/* One body hash per distinct (canonicalisation, l=). */
struct vbody {
	enum dkim_canon canon;
	uint64_t limit;
	struct dkim_body b;
	bool ok;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned dlen;
	uint64_t total;
};

struct vsig {
	struct dkim_sig sig;
	bool decided;               /* result known without key or body */
	struct buf hdata;           /* canonical header data, b= emptied */
	size_t body, query;
	char header_b[9];
	struct dkim_result_info info;
};

struct dkim_verifier {
	long long now;
	struct vsig sigs[DKIM_VERIFY_MAX_SIGS];
	size_t nsigs;
	struct vquery queries[DKIM_VERIFY_MAX_SIGS];
	size_t nqueries;
	struct vbody bodies[DKIM_VERIFY_MAX_SIGS];
	size_t nbodies;
	struct dkim_result_info results[DKIM_VERIFY_MAX_SIGS];
	bool finished;
};

void dkim_verify_eval(struct dkim_verifier *v, struct vsig *s);

#endif
