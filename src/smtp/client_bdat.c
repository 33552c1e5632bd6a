/* BDAT (RFC 3030), used only with PIPELINING so chunks need not wait for
 * replies: every chunk gets one reply, in order. The first refused chunk
 * fails the message and no more are sent (RFC 3030 2); the replies still
 * owed are read before the DONE, then RSET. */
#include "smtp/client_int.h"

void cli_bdat_begin(struct smtp_client *c)
{
	if (c->accepted == 0) {
		cli_txn_finish(c);
		return;
	}
	if (cli_avail(c) > 0) {
		cli_protocol_error(c, "server sent data ahead of the message "
		    "body");
		return;
	}
	c->chunks_sent = c->chunks_answered = 0;
	c->chunk_failed = false;
	cli_body_start(c);
}

void cli_bdat_send(struct smtp_client *c, bool last)
{
	buf_printf(&c->out, "BDAT %zu%s\r\n", c->chunk.len, last ? " LAST" : "");
	buf_add(&c->out, c->chunk.data, c->chunk.len);
	buf_reset(&c->chunk);
	c->chunks_sent++;
}

void cli_bdat_reply(struct smtp_client *c)
{
	int cls = c->rp.code / 100;
	if (c->chunks_answered == c->chunks_sent || cls == 3) {
		struct buf reply = BUF_INIT;
		cli_reply_line(c, &reply);
		cli_protocol_error(c, "unexpected reply \"%s\" to BDAT",
		    buf_cstr(&reply));
		buf_free(&reply);
		return;
	}
	c->chunks_answered++;
	if (cls != 2 && !c->chunk_failed) {
		cli_result_from_reply(c, SIZE_MAX, true, ST_BDAT);
		c->chunk_failed = true;
		c->phase = CP_DATA_END;   /* the glue's body calls now fail */
	}
	if (c->phase != CP_DATA_END || c->chunks_answered < c->chunks_sent)
		return;
	if (!c->chunk_failed)
		cli_result_from_reply(c, SIZE_MAX, true, ST_BDAT);
	c->need_rset = c->chunk_failed;
	cli_txn_finish(c);
}
