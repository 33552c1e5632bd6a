/* mailboxctl dkim sign DOMAIN [FILE] | dkim verify [FILE] [--key N=REC]...
 * The message is read once: its header kept, its body streamed through
 * the signer (and a temporary file, to print it after the signatures) or
 * the verifier. */
#include "ctl/dkim.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mail/header.h"
#include "mailauth/dkim_sign.h"
#include "mailauth/dkim_verify.h"
#include "store/dkimkeys.h"



struct sign_state {
	struct dkim_signer *signer;
	FILE *spool;
	bool spool_ok;
};

static void sign_body(const char *p, size_t n, void *arg)
{
	struct sign_state *st = arg;
	dkim_signer_body(st->signer, p, n);
	if (fwrite(p, 1, n, st->spool) != n)
		st->spool_ok = false;
}

struct sign_keys {
	struct dkimkeys_active active;
	struct dkim_sign_key v[DKIMKEYS_ACTIVE_MAX];
	size_t n;
};

static bool load_keys(const struct dkim_ctx *c, struct sign_keys *sk,
    struct buf *err)
{
	if (!dkimkeys_load_active(c->dir.data, c->domain.data, &sk->active, err))
		return false;
	for (sk->n = 0; sk->n < sk->active.n; sk->n++)
		sk->v[sk->n] = (struct dkim_sign_key){ c->domain.data,
		    sk->active.selector[sk->n], sk->active.key[sk->n] };
	return true;
}

/* Signature fields with the message's own line ends. */
static void put_fields(const struct buf *fields, const struct buf *hdr)
{
	const char *nl = memchr(hdr->data ? hdr->data : "", '\n', hdr->len);
	bool crlf = nl == NULL || (nl > hdr->data && nl[-1] == '\r');
	for (size_t k = 0; k < fields->len; k++)
		if (crlf || fields->data[k] != '\r')
			putchar(fields->data[k]);
}

static bool copy_out(FILE *f)
{
	char chunk[CTL_MSG_CHUNK];
	size_t n;
	rewind(f);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (fwrite(chunk, 1, n, stdout) != n)
			return false;
	return !ferror(f) && fflush(stdout) == 0;
}

static bool sign_message(struct ctl_msg *m, const struct sign_keys *sk,
    long long now, struct buf *err)
{
	struct sign_state st = { NULL, tmpfile(), true };
	struct buf fields = BUF_INIT;
	bool ok = false;
	if (st.spool == NULL) {
		buf_addstr(err, "cannot make a temporary file");
		return false;
	}
	st.signer = dkim_signer_new(m->hdr.data ? m->hdr.data : "", m->hdr.len,
	    sk->v, sk->n, now, err);
	if (st.signer != NULL && ctl_msg_body(m, sign_body, &st) && st.spool_ok &&
	    dkim_signer_finish(st.signer, &fields, err)) {
		put_fields(&fields, &m->hdr);
		fwrite(m->hdr.data ? m->hdr.data : "", 1, m->hdr.len, stdout);
		ok = copy_out(st.spool);
		if (!ok)
			buf_addstr(err, "write error");
	}
	dkim_signer_free(st.signer);
	fclose(st.spool);
	buf_free(&fields);
	return ok;
}

int ctl_dkim_sign(struct ctl *ctl, int argc, char **argv)
{
	if (argc < 2 || argc > 3)
		return ctl_usage(DKIM_USAGE);
	struct dkim_ctx c;
	struct sign_keys sk;
	memset(&sk, 0, sizeof(sk));
	struct ctl_msg m;
	struct buf err = BUF_INIT;
	int rc = 1;
	if (ctl_dkim_open(ctl, argv[1], true, &c) && ctl_msg_open(argv[2], &m)) {
		if (load_keys(&c, &sk, &err) && ctl_msg_header(&m) &&
		    sign_message(&m, &sk, c.now, &err))
			rc = 0;
		ctl_msg_close(&m);
	}
	if (rc != 0 && err.len > 0)
		ctl_fail("dkim sign: %s", err.data);
	dkimkeys_active_free(&sk.active);
	buf_free(&err);
	ctl_dkim_close(&c);
	return rc;
}
