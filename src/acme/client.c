#include "acme/client.h"

#include <stdlib.h>
#include <string.h>

#include "acme/client_int.h"
#include "acme/jws.h"
#include "common/str.h"
#include "common/xmalloc.h"

static bool fail_status(struct acme_conn *c, const char *what, struct buf *err)
{
	struct buf problem = BUF_INIT;
	if (acme_parse_problem(c->resp.body.data, c->resp.body.len, &problem))
		buf_printf(err, "%s refused by the ACME server: %s", what, problem.data);
	else
		buf_printf(err, "%s: the ACME server answered HTTP %ld", what,
		    c->resp.status);
	buf_free(&problem);
	return false;
}

static bool fresh_nonce(struct acme_conn *c, struct buf *err)
{
	if (!acme_http_do(c->http, c->dir.new_nonce, NULL, true, &c->resp, err))
		return false;
	if (c->resp.nonce[0] == '\0') {
		buf_addstr(err, "the ACME server gave no Replay-Nonce");
		return false;
	}
	str_copy(c->nonce, sizeof c->nonce, c->resp.nonce);
	return true;
}

/* RFC 8555 6.5: a badNonce error is retried with the nonce it carries. */
bool acme_post(struct acme_conn *c, const char *url, const char *payload,
    const char *what, struct buf *err)
{
	for (int attempt = 0; attempt < 4; attempt++) {
		struct buf jws = BUF_INIT, problem = BUF_INIT;
		bool ok = (c->nonce[0] || fresh_nonce(c, err)) &&
		    acme_jws(c->req->account_key, c->kid[0] ? c->kid : NULL,
		        c->nonce, url, payload, &jws) &&
		    acme_http_do(c->http, url, jws.data, false, &c->resp, err);
		buf_free(&jws);
		if (!ok) {
			if (err->len == 0)
				buf_addstr(err, "cannot sign the ACME request");
			return false;
		}
		str_copy(c->nonce, sizeof c->nonce, c->resp.nonce);
		if (c->resp.status < 400)
			return true;
		bool bad_nonce = acme_parse_problem(c->resp.body.data,
		    c->resp.body.len, &problem) && acme_problem_is(problem.data, "badNonce");
		buf_free(&problem);
		if (!bad_nonce)
			break;
	}
	return fail_status(c, what, err);
}

static bool get_directory(struct acme_conn *c, struct buf *err)
{
	const char *url = c->req->directory;
	if (!str_has_prefix(url, "https://") || strlen(url) >= ACME_URL_MAX) {
		buf_printf(err, "bad ACME directory URL '%.200s': it must start "
		    "with https://", url);
		return false;
	}
	if (!acme_http_do(c->http, url, NULL, false, &c->resp, err))
		return false;
	if (c->resp.status != 200) {
		buf_printf(err, "bad ACME directory URL %s: HTTP %ld", url, c->resp.status);
		return false;
	}
	struct buf why = BUF_INIT;
	bool ok = acme_parse_directory(c->resp.body.data, c->resp.body.len,
	    &c->dir, &why);
	if (!ok)
		buf_printf(err, "bad ACME directory URL %s: %s", url, why.data);
	buf_free(&why);
	return ok;
}

static bool new_account(struct acme_conn *c, struct buf *err)
{
	if (!acme_post(c, c->dir.new_account, "{\"termsOfServiceAgreed\":true}",
	    "account registration", err))
		return false;
	if (c->resp.location[0] == '\0') {
		buf_addstr(err, "the ACME server gave no account URL");
		return false;
	}
	str_copy(c->kid, sizeof c->kid, c->resp.location);
	return true;
}

static bool download(struct acme_conn *c, struct buf *chain, struct buf *err)
{
	if (!acme_post(c, c->order->certificate, NULL, "certificate download", err))
		return false;
	if (!str_has_prefix(buf_cstr(&c->resp.body), "-----BEGIN CERTIFICATE-----")) {
		buf_addstr(err, "the ACME server's certificate is not PEM");
		return false;
	}
	buf_add(chain, c->resp.body.data, c->resp.body.len);
	return true;
}

bool acme_obtain(const struct acme_request *req, struct buf *chain,
    struct buf *err)
{
	struct acme_conn c;
	memset(&c, 0, sizeof c);
	c.req = req;
	c.http = acme_http_new(req->ca_file);
	c.order = xcalloc(1, sizeof *c.order);
	bool ok = c.http != NULL && get_directory(&c, err) && new_account(&c, err) &&
	    acme_run_order(&c, err) && download(&c, chain, err);
	if (c.http == NULL)
		buf_addstr(err, "cannot start libcurl");
	buf_free(&c.order->error);
	free(c.order);
	buf_free(&c.resp.body);
	acme_http_free(c.http);
	return ok;
}
