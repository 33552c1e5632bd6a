/* Internal to the MIME parser: raw parameters as lexed, and their merge
 * into mime_param (RFC 2231 continuations and charsets). */
#ifndef AMB_MAIL_MIME_PARAMS_H
#define AMB_MAIL_MIME_PARAMS_H
#include <stdbool.h>
#include <stddef.h>

#include "mail/mime.h"

#define RAW_PARAM_MAX (MIME_MAX_PARAMS * 4)
#define RFC2231_MAX_SECTIONS 100

struct raw_param {
	char *base;       /* name without "*N*" */
	int section;      /* -1: no "*N" */
	bool extended;    /* ends in '*' */
	char *value;      /* unquoted */
};

/* Splits "name*N*" into base/section/extended (base allocated). */
void raw_param_name(const char *name, size_t n, struct raw_param *rp);
/* Merges raw params (which it frees) into ct->params. */
void mime_params_merge(struct raw_param *raw, size_t nraw,
    struct mime_ctype *ct);

#endif
