/* Mail transactions: the checks made before anything is sent (SIZE,
 * SMTPUTF8, 8BITMIME, address syntax), MAIL, RCPT and DATA (pipelined
 * when the server offers PIPELINING, RFC 2920), and a final result for
 * every recipient. A recipient refused at RCPT is final with that reply;
 * one accepted there gets the reply to DATA or to the end of data. */
#include <stdlib.h>
#include <string.h>

#include "common/xmalloc.h"
#include "mail/address.h"
#include "smtp/client_int.h"
#include "smtp/smtp_parse.h"

void cli_txn_free(struct smtp_client *c)
{
	for (size_t i = 0; i < c->nrcpts; i++) {
		free(c->rc[i].addr);
		buf_free(&c->rc[i].reply);
		buf_free(&c->rc[i].text);
	}
	free(c->rc);
	free(c->res);
	free(c->order);
	free(c->sender);
	c->rc = NULL;
	c->res = NULL;
	c->order = NULL;
	c->sender = NULL;
	c->nrcpts = c->norder = c->sent = c->answered = c->accepted = 0;
	c->in_msg = c->mail_ok = c->dot_only = c->need_rset = false;
	c->bdat = c->chunk_failed = false;
	c->chunks_sent = c->chunks_answered = 0;
	buf_reset(&c->chunk);
}

static void rcpt_result(struct smtp_client *c, size_t i, int code,
    const char *enh, const char *reply, const char *text)
{
	struct cli_rcpt *r = &c->rc[i];
	struct smtp_client_result *res = &c->res[i];
	if (r->final)
		return;
	r->final = true;
	buf_set(&r->reply, reply != NULL ? reply : "");
	buf_set(&r->text, text);
	memset(res, 0, sizeof(*res));
	res->code = code;
	res->remote = reply != NULL;
	memcpy(res->enhanced, enh, strnlen(enh, sizeof(res->enhanced) - 1));
}

void cli_result_from_reply(struct smtp_client *c, size_t i,
    bool accepted_only, enum cli_stage st)
{
	struct buf reply = BUF_INIT, text = BUF_INIT;
	char enh[16];
	cli_reply_line(c, &reply);
	cli_reply_enh(c, enh, sizeof(enh));
	cli_said(c, st, &text);
	for (size_t k = 0; k < c->nrcpts; k++)
		if (k == i || (i == SIZE_MAX &&
		    (!accepted_only || c->rc[k].accepted)))
			rcpt_result(c, k, c->rp.code, enh, buf_cstr(&reply),
			    buf_cstr(&text));
	buf_free(&reply);
	buf_free(&text);
}

static void emit_done(struct smtp_client *c, enum smtp_msg_status status)
{
	for (size_t i = 0; i < c->nrcpts; i++) {
		c->res[i].reply = buf_cstr(&c->rc[i].reply);
		c->res[i].text = buf_cstr(&c->rc[i].text);
	}
	struct smtp_cevent *ev = cli_push(c, SMTP_CEV_DONE);
	ev->status = status;
	ev->rcpts = c->res;
	ev->nrcpts = c->nrcpts;
	c->in_msg = false;
}

void cli_txn_finish_all(struct smtp_client *c, int code, const char *enh,
    const char *reply, const char *text)
{
	for (size_t i = 0; i < c->nrcpts; i++)
		rcpt_result(c, i, code, enh, reply, text);
	emit_done(c, SMTP_MSG_DONE);
}

/* The transaction is over: DONE, then RSET if the server may still hold
 * an open transaction, else ready for the next message. */
void cli_txn_finish(struct smtp_client *c)
{
	emit_done(c, SMTP_MSG_DONE);
	if (!c->need_rset) {
		cli_ready(c);
		return;
	}
	c->need_rset = false;
	if (cli_command(c, "RSET"))
		c->phase = CP_RSET;
}

/* --- before sending ------------------------------------------------ */

static void fail_all(struct smtp_client *c, int code, const char *enh,
    const char *text)
{
	for (size_t i = 0; i < c->nrcpts; i++)
		rcpt_result(c, i, code, enh, NULL, text);
}

/* Checks a path with the server's own parser, so nothing odd (CR, LF,
 * spaces outside quotes) reaches a command line. *utf8 tells whether it
 * needs SMTPUTF8. */
static bool valid_path(const char *addr, bool sender, bool *utf8)
{
	struct buf b = BUF_INIT;
	struct smtp_addr a;
	const char *end = NULL;
	unsigned flags = SMTP_PATH_ALLOW_UTF8 |
	    (sender ? SMTP_PATH_ALLOW_NULL : SMTP_PATH_ALLOW_POSTMASTER);
	buf_printf(&b, "<%s>", addr);
	bool ok = smtp_parse_path(b.data, flags, &a, &end) == SMTP_PATH_OK &&
	    *end == '\0';
	*utf8 = ok && a.utf8;
	buf_free(&b);
	return ok;
}

/* Message-wide refusals; false when no recipient can be sent to. */
static bool check_message(struct smtp_client *c,
    const struct smtp_client_msg *m, bool sender_utf8)
{
	struct buf text = BUF_INIT;
	bool ok = false;
	if (c->ext.size && c->ext.size_max > 0 && m->size > c->ext.size_max) {
		buf_printf(&text, "message size %llu exceeds size limit %llu "
		    "of server %s", (unsigned long long)m->size,
		    (unsigned long long)c->ext.size_max, c->peer);
		fail_all(c, 552, "5.3.4", buf_cstr(&text));
	} else if ((m->smtputf8 || sender_utf8) && !c->ext.smtputf8) {
		/* RFC 6531 3.2: never downgrade silently */
		buf_printf(&text, "SMTPUTF8 is required, but was not offered "
		    "by host %s", c->peer);
		fail_all(c, sender_utf8 ? 553 : 554,
		    sender_utf8 ? "5.6.7" : "5.6.9", buf_cstr(&text));
	} else {
		ok = true;
	}
	buf_free(&text);
	return ok;
}

/* Per recipient: syntax, and SMTPUTF8 for a non-ASCII address. */
static void check_rcpts(struct smtp_client *c)
{
	struct buf text = BUF_INIT;
	for (size_t i = 0; i < c->nrcpts; i++) {
		struct cli_rcpt *r = &c->rc[i];
		buf_reset(&text);
		if (!valid_path(r->addr, false, &r->utf8)) {
			buf_printf(&text, "bad recipient address syntax");
			rcpt_result(c, i, 553, "5.1.3", NULL, buf_cstr(&text));
		} else if (r->utf8 && !c->ext.smtputf8) {
			buf_printf(&text, "SMTPUTF8 is required, but was not "
			    "offered by host %s", c->peer);
			rcpt_result(c, i, 553, "5.6.7", NULL, buf_cstr(&text));
		} else {
			c->order[c->norder++] = i;
		}
	}
	buf_free(&text);
}

static bool has_8bit(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			return true;
	return false;
}

/* Addresses are stored with U-label domains. One whose local part is
 * ASCII goes out with A-labels, so that only a non-ASCII local part
 * needs SMTPUTF8 (RFC 6531 3.2). */
static char *wire_address(const char *addr)
{
	const char *at = strrchr(addr, '@');
	if (at == NULL || !has_8bit(at, strlen(at)) ||
	    has_8bit(addr, (size_t)(at - addr)))
		return xstrdup(addr);
	struct buf dom = BUF_INIT, err = BUF_INIT, out = BUF_INIT;
	if (addr_domain_ascii(at + 1, &dom, &err)) {
		buf_add(&out, addr, (size_t)(at + 1 - addr));
		buf_addstr(&out, buf_cstr(&dom));
	} else {
		buf_addstr(&out, addr);   /* refused later, or needs SMTPUTF8 */
	}
	buf_free(&dom);
	buf_free(&err);
	return buf_detach(&out);
}

static void copy_message(struct smtp_client *c, const struct smtp_client_msg *m)
{
	c->in_msg = true;
	c->sender = wire_address(m->sender);
	c->size = m->size;
	c->eightbit = m->eightbit;
	c->nrcpts = m->nrcpts;
	c->rc = xcalloc(m->nrcpts, sizeof(*c->rc));
	c->res = xcalloc(m->nrcpts, sizeof(*c->res));
	c->order = xcalloc(m->nrcpts, sizeof(*c->order));
	for (size_t i = 0; i < m->nrcpts; i++)
		c->rc[i].addr = wire_address(m->rcpts[i] != NULL ? m->rcpts[i] : "");
}

/* --- sending ------------------------------------------------------- */

static bool send_mail(struct smtp_client *c)
{
	struct buf params = BUF_INIT;
	if (c->ext.size && c->size > 0)
		buf_printf(&params, " SIZE=%llu", (unsigned long long)c->size);
	if (c->eightbit)
		buf_addstr(&params, " BODY=8BITMIME");
	if (c->smtputf8 && c->ext.smtputf8)
		buf_addstr(&params, " SMTPUTF8");
	bool ok = cli_command(c, "MAIL FROM:<%s>%s", c->sender,
	    buf_cstr(&params));
	buf_free(&params);
	return ok;
}

/* Command number c->sent of the batch: MAIL, the RCPTs, DATA. */
static bool send_next(struct smtp_client *c)
{
	size_t pos = c->sent++;
	if (pos == 0)
		return send_mail(c);
	if (pos <= c->norder)
		return cli_command(c, "RCPT TO:<%s>", c->rc[c->order[pos - 1]].addr);
	return cli_command(c, "DATA");
}

bool smtp_client_send(struct smtp_client *c, const struct smtp_client_msg *m)
{
	if (c->phase != CP_READY || c->evq_len > 0 || m->nrcpts == 0 ||
	    m->rcpts == NULL || m->sender == NULL)
		return false;
	cli_txn_free(c);
	copy_message(c, m);
	bool sender_utf8 = false;
	if (!valid_path(c->sender, true, &sender_utf8)) {
		fail_all(c, 553, "5.1.7", "bad sender address syntax");
	} else if (!check_message(c, m, sender_utf8)) {
		/* every recipient failed */
	} else if (m->eightbit && !c->ext.eightbitmime) {
		struct buf text = BUF_INIT;
		buf_printf(&text, "host %s does not support 8BITMIME and the "
		    "message is 8-bit", c->peer);
		fail_all(c, 554, "5.6.3", buf_cstr(&text));
		buf_free(&text);
		emit_done(c, SMTP_MSG_NEED_7BIT);
		cli_ready(c);
		return true;
	} else {
		check_rcpts(c);
	}
	if (c->norder == 0) {
		cli_txn_finish(c);
		return true;
	}
	c->smtputf8 = m->smtputf8 || sender_utf8;
	for (size_t i = 0; i < c->norder; i++)
		c->smtputf8 |= c->rc[c->order[i]].utf8;
	c->phase = CP_TXN;
	c->bdat = (c->flags & SMTP_CLI_F_CHUNKING) && c->ext.chunking &&
	    c->ext.pipelining;
	size_t batch = c->ext.pipelining ? c->norder + 2 - c->bdat : 1;
	for (size_t i = 0; i < batch; i++)
		if (!send_next(c))
			break;
	return true;
}

/* --- replies ------------------------------------------------------- */

static void mail_reply(struct smtp_client *c)
{
	if (c->rp.code / 100 == 2) {
		c->mail_ok = c->need_rset = true;
		if (!c->ext.pipelining)
			send_next(c);
		return;
	}
	cli_result_from_reply(c, SIZE_MAX, false, ST_MAIL);
	if (!c->ext.pipelining)
		cli_txn_finish(c);
}

static void rcpt_reply(struct smtp_client *c, size_t i)
{
	if (c->mail_ok) {
		if (c->rp.code / 100 == 2) {
			c->rc[i].accepted = true;
			c->accepted++;
		} else {
			cli_result_from_reply(c, i, false, ST_RCPT);
		}
	}
	if (c->ext.pipelining)
		return;
	if (c->sent <= c->norder || c->accepted > 0)
		send_next(c);
	else
		cli_txn_finish(c);
}

static void data_reply(struct smtp_client *c)
{
	if (c->rp.code == 354) {
		if (cli_avail(c) > 0) {
			/* a reply to a body the server has not seen */
			cli_protocol_error(c, "server sent data ahead of the "
			    "message body");
			return;
		}
		if (c->accepted > 0) {
			cli_body_start(c);
			return;
		}
		/* RFC 2920 3.1: 354 with no recipient: send an empty body */
		buf_add(&c->out, ".\r\n", 3);
		c->dot_only = true;
		c->phase = CP_DATA_END;
		return;
	}
	cli_result_from_reply(c, SIZE_MAX, true, ST_DATA);
	cli_txn_finish(c);
}

static void reply_unexpected(struct smtp_client *c, const char *what)
{
	struct buf reply = BUF_INIT;
	cli_reply_line(c, &reply);
	cli_protocol_error(c, "unexpected reply \"%s\" %s", buf_cstr(&reply),
	    what);
	buf_free(&reply);
}

void cli_txn_reply(struct smtp_client *c)
{
	size_t pos = c->answered;
	int cls = c->rp.code / 100;
	bool data = pos > c->norder;
	/* 2xx to DATA would mean the server took an empty message */
	if ((cls == 3 && !(data && c->rp.code == 354)) || (data && cls == 2)) {
		reply_unexpected(c, "instead of 354");
		return;
	}
	if (pos == 0)
		mail_reply(c);
	else if (!data)
		rcpt_reply(c, c->order[pos - 1]);
	else
		data_reply(c);
	c->answered++;
	if (c->bdat && pos == c->norder && c->phase == CP_TXN)
		cli_bdat_begin(c);
}

void cli_data_end_reply(struct smtp_client *c)
{
	int cls = c->rp.code / 100;
	if (c->bdat) {
		cli_bdat_reply(c);
		return;
	}
	if (c->dot_only) {
		c->need_rset = true;
		cli_txn_finish(c);
		return;
	}
	if (cls == 3) {
		reply_unexpected(c, "to end of data");
		return;
	}
	c->need_rset = false;
	cli_result_from_reply(c, SIZE_MAX, true, ST_DATA_END);
	cli_txn_finish(c);
}

/* A reply while the body is still being sent: a refusal is the answer
 * for the message, but the connection is beyond repair. */
void cli_body_reply(struct smtp_client *c)
{
	if (c->bdat) {
		cli_bdat_reply(c);
		return;
	}
	if (c->rp.code / 100 < 4) {
		reply_unexpected(c, "before the end of the message");
		return;
	}
	cli_result_from_reply(c, SIZE_MAX, true, ST_BODY);
	struct buf what = BUF_INIT;
	buf_printf(&what, "host %s replied before the end of the message",
	    c->peer);
	cli_fail_reply(c, SMTP_CLI_PROTOCOL, false, buf_cstr(&what));
	buf_free(&what);
}
