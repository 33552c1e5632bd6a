/* Inside the Sieve engine: the state of one run, shared by the commands
 * (sieve_run.c) and the tests (sieve_eval.c). */
#ifndef AMB_SIEVE_EVAL_H
#define AMB_SIEVE_EVAL_H
#include "filter/sieve_int.h"

struct interp {
	const struct sieve_script *s;
	struct sv_msgdata d;
	struct sv_vars vars;
	struct buf flags;           /* imap4flags' internal variable */
	struct sieve_result *r;
	bool implicit_keep;
	bool discarded;
	bool stopped;
	bool failed;                /* a runtime error: implicit keep only */
	size_t redirects;
};

/* Records a runtime error ("LINE: why") and returns false. */
bool sv_fail(struct interp *in, int line, const char *why);
bool sv_test(struct interp *in, const struct sv_node *n);

#endif
