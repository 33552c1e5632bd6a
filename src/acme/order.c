/* The order's steps (RFC 8555 7.4, 7.5): create it, answer every
 * pending authorization, finalize with a CSR, wait until it is valid. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "acme/challenge.h"
#include "acme/client_int.h"
#include "acme/jws.h"
#include "acme/x509.h"

static void pause_for(const struct acme_conn *c)
{
	long s = c->resp.retry_after;
	sleep((unsigned)(s < 1 ? 1 : s > 10 ? 10 : s));
}

static bool new_order(struct acme_conn *c, struct buf *err)
{
	json_t *ids = json_array();
	for (size_t i = 0; i < c->req->nnames; i++)
		json_array_append_new(ids, json_pack("{s:s, s:s}", "type", "dns",
		    "value", c->req->names[i]));
	json_t *o = json_pack("{s:o}", "identifiers", ids);
	char *payload = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	bool ok = payload && acme_post(c, c->dir.new_order, payload, "new order", err) &&
	    acme_parse_order(c->resp.body.data, c->resp.body.len, c->order, err);
	free(payload);
	if (ok && c->resp.location[0] == '\0') {
		buf_addstr(err, "the ACME server gave no order URL");
		return false;
	}
	memcpy(c->order_url, c->resp.location, sizeof c->order_url);
	return ok;
}

static bool fetch_authz(struct acme_conn *c, const char *url, struct acme_authz *a,
    struct buf *err)
{
	return acme_post(c, url, NULL, "authorization", err) &&
	    acme_parse_authz(c->resp.body.data, c->resp.body.len, a, err);
}

static void explain_invalid(const struct acme_authz *a, struct buf *err)
{
	/* Nearly always the name's DNS or a firewall: say what to check. */
	buf_printf(err, "validation of %s failed: %s (check that DNS for %s "
	    "points at this server and that the challenge port is reachable "
	    "from the Internet)", a->name,
	    a->error.len ? a->error.data : "no reason given", a->name);
}

static bool wait_authz(struct acme_conn *c, const char *url, struct acme_authz *a,
    struct buf *err)
{
	time_t until = time(NULL) + c->req->timeout;
	while (a->status == ACME_PENDING || a->status == ACME_PROCESSING) {
		if (time(NULL) > until) {
			buf_printf(err, "validation of %s timed out", a->name);
			return false;
		}
		pause_for(c);
		if (!fetch_authz(c, url, a, err))
			return false;
	}
	if (a->status == ACME_VALID)
		return true;
	explain_invalid(a, err);
	return false;
}

static bool publish(struct acme_conn *c, const struct acme_authz *a,
    const struct acme_challenge *ch, struct buf *err)
{
	struct buf ka = BUF_INIT, pem = BUF_INIT;
	bool alpn = c->req->use_alpn;
	bool ok = acme_key_authorization(c->req->account_key, ch->token, &ka) &&
	    (!alpn || acme_alpn_cert_pem(a->name, ka.data, &pem));
	if (!ok)
		buf_addstr(err, "cannot build the challenge answer");
	ok = ok && (alpn ?
	    acme_chal_publish(c->req->challenge_dir, ACME_CHAL_ALPN, a->name,
	        pem.data, pem.len, err) :
	    acme_chal_publish(c->req->challenge_dir, ACME_CHAL_HTTP, ch->token,
	        ka.data, ka.len, err));
	buf_free(&ka);
	buf_free(&pem);
	return ok;
}

static bool do_authz(struct acme_conn *c, const char *url, struct buf *err)
{
	struct acme_authz a;
	memset(&a, 0, sizeof a);
	bool ok = fetch_authz(c, url, &a, err);
	if (ok && a.status == ACME_PENDING) {
		const struct acme_challenge *ch = c->req->use_alpn ? &a.tlsalpn01 : &a.http01;
		const char *type = c->req->use_alpn ? "tls-alpn-01" : "http-01";
		if (ch->url[0] == '\0') {
			buf_printf(err, "the ACME server offers no %s challenge for %s",
			    type, a.name);
			ok = false;
		}
		ok = ok && publish(c, &a, ch, err) &&
		    acme_post(c, ch->url, "{}", "challenge", err) &&
		    wait_authz(c, url, &a, err);
		if (ch->url[0])
			acme_chal_remove(c->req->challenge_dir, c->req->use_alpn ?
			    ACME_CHAL_ALPN : ACME_CHAL_HTTP, c->req->use_alpn ?
			    a.name : ch->token);
	} else if (ok && a.status != ACME_VALID) {
		explain_invalid(&a, err);
		ok = false;
	}
	buf_free(&a.error);
	return ok;
}

static bool poll_order(struct acme_conn *c, enum acme_status until, struct buf *err)
{
	time_t deadline = time(NULL) + c->req->timeout;
	while (c->order->status != until) {
		if (c->order->status == ACME_INVALID) {
			buf_printf(err, "the ACME server marked the order invalid: %s",
			    c->order->error.len ? c->order->error.data : "no reason given");
			return false;
		}
		if (time(NULL) > deadline) {
			buf_addstr(err, "the ACME server did not finish the order in time");
			return false;
		}
		pause_for(c);
		if (!acme_post(c, c->order_url, NULL, "order", err) ||
		    !acme_parse_order(c->resp.body.data, c->resp.body.len, c->order, err))
			return false;
	}
	return true;
}

static bool finalize(struct acme_conn *c, struct buf *err)
{
	struct buf der = BUF_INIT, payload = BUF_INIT;
	bool ok = acme_csr_der(c->req->cert_key, c->req->names, c->req->nnames, &der);
	if (!ok)
		buf_addstr(err, "cannot build the certificate request");
	buf_addstr(&payload, "{\"csr\":\"");
	acme_b64url(der.data, der.len, &payload);
	buf_addstr(&payload, "\"}");
	ok = ok && acme_post(c, c->order->finalize, payload.data, "finalize", err) &&
	    acme_parse_order(c->resp.body.data, c->resp.body.len, c->order, err);
	buf_free(&der);
	buf_free(&payload);
	return ok && poll_order(c, ACME_VALID, err);
}

bool acme_run_order(struct acme_conn *c, struct buf *err)
{
	if (!new_order(c, err))
		return false;
	for (unsigned i = 0; i < c->order->nauthz; i++)
		if (!do_authz(c, c->order->authz[i], err))
			return false;
	if (c->order->status != ACME_VALID) {
		if (c->order->status != ACME_READY && !poll_order(c, ACME_READY, err))
			return false;
		if (!finalize(c, err))
			return false;
	}
	if (c->order->certificate[0] == '\0') {
		buf_addstr(err, "the ACME server's valid order has no certificate URL");
		return false;
	}
	return true;
}
